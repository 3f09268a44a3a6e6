// Renders a vega-lite spec to PNG: vega-lite -> vega -> SVG (headless view) -> sharp.
import sharp from 'sharp';

// vega and vega-lite are ESM only. This project compiles to CommonJS, where TypeScript would turn
// `import()` into `require()`; a Function-built import keeps it a real dynamic import.
const importEsm = new Function('specifier', 'return import(specifier)') as <T>(specifier: string) => Promise<T>;

interface VegaLiteModule {
  compile(spec: object): { spec: object };
}
interface VegaModule {
  parse(spec: object): unknown;
  View: new (runtime: unknown, options: { renderer: string }) => { toSVG(scale?: number): Promise<string>; finalize(): void };
}

let modules: Promise<[VegaLiteModule, VegaModule]> | null = null;
function loadVega(): Promise<[VegaLiteModule, VegaModule]> {
  modules ??= Promise.all([importEsm<VegaLiteModule>('vega-lite'), importEsm<VegaModule>('vega')]);
  return modules;
}

export async function vegaLiteToSvg(spec: object): Promise<string> {
  const [vl, vega] = await loadVega();
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

// PNG of a vega-lite spec; `scale` > 1 renders at a higher pixel density (2 -> twice the pixels).
export async function vegaLiteToPng(spec: object, scale = 1): Promise<Buffer> {
  const svg = await vegaLiteToSvg(spec);
  return sharp(Buffer.from(svg), { density: 72 * scale }).flatten({ background: '#ffffff' }).png().toBuffer();
}
