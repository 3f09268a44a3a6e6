// DICOM results (SEG, SR TID 1500, Secondary Capture) of real predictions on mammograms written
// the way scanners write them: every object passes dciodvfy, reads back with pydicom, references
// the source, and the SEG's pixels equal the predicted mask exactly.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { FTMTLNet } from '../lib/model/ftmtlnet';
import { Tensor } from '../lib/tensor';
import { writeResults, dicomResults } from '../lib/results/write-results';
import { readSourceHeader } from '../lib/results/source-header';
import { buildSegmentation, unpackBinaryFrame } from '../lib/results/segmentation';
import { defaultAlgorithm } from '../lib/results/write-results';
import { writeMammogram, type MammogramOptions } from './support/mammogram-fixtures';
import { DCIODVFY, dciodvfy, hasPydicom, readBackWithPydicom } from './support/dicom-check';
import { runCli } from './support/run-cli';
import { readImageFile } from '../lib/data/image-file';
import { predictGray } from '../lib/model/predict-run';
import { writeDicom } from './support/dicom-fixtures';
import { saveModel } from '../lib/train/model-checkpoint';
import { closePredictor } from '../lib/model/predictor';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftm-results-'));
t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
const PYDICOM = hasPydicom();

// A model whose segmentation / detection outputs are pushed on or off through the last biases,
// so that both a full (breast-region) mask and an empty result are produced by a real forward pass.
function makeModel(preprocess: boolean, bias: { mask?: number; heat?: number } = {}): FTMTLNet {
  const m = FTMTLNet.create({ imageSize: 32, seed: 4, ...(preprocess ? { preprocess: { crop: true, flip: 'auto' } } : {}) }).eval();
  const sd = m.stateDict();
  const set = (name: string, v: number) => { const b = sd[name] as Tensor; b.data.fill(v); };
  if (bias.mask !== undefined) set('seg.decoder.out.bias', bias.mask);
  if (bias.heat !== undefined) set('det.head.heatmap.2.bias', bias.heat);
  return m;
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

interface Case { name: string; mg: MammogramOptions; preprocess: boolean; bias?: { mask?: number; heat?: number }; threshold: number; sc?: boolean }
const CASES: Case[] = [
  { name: 'MONOCHROME2 12-bit L CC, no preprocessing, random-weight mask and detections', mg: { photometric: 'MONOCHROME2', bitsStored: 12, laterality: 'L', view: 'CC' }, preprocess: false, threshold: 0, sc: true },
  { name: 'MONOCHROME1 16-bit R MLO, breast crop + flip, full mask', mg: { photometric: 'MONOCHROME1', bitsStored: 16, laterality: 'R', view: 'MLO', seed: 2 }, preprocess: true, bias: { mask: 30 }, threshold: 0.3 },
  { name: 'MONOCHROME2 14-bit R CC, breast crop + flip, nothing found', mg: { photometric: 'MONOCHROME2', bitsStored: 14, laterality: 'R', view: 'CC', seed: 3 }, preprocess: true, bias: { mask: -30, heat: -30 }, threshold: 0.3, sc: true },
  { name: 'MONOCHROME1 12-bit L MLO without PatientOrientation, crop + flip', mg: { photometric: 'MONOCHROME1', bitsStored: 12, laterality: 'L', view: 'MLO', patientOrientation: false, seed: 4, width: 77, height: 101 }, preprocess: true, threshold: 0 },
];

for (const c of CASES) {
  t.test(c.name, async (t) => {
    const mg = writeMammogram(c.mg);
    const src = path.join(dir, `${c.mg.seed ?? 1}-${c.mg.laterality}.dcm`);
    fs.writeFileSync(src, mg.bytes);
    const before = sha(fs.readFileSync(src));
    const model = makeModel(c.preprocess, c.bias);
    // In this thread (predict() would start a worker per model; the CLI test below uses one).
    const loaded = await readImageFile(src);
    const pred = predictGray(model, loaded.image, { threshold: c.threshold }, loaded.laterality);
    const out = path.join(dir, `out-${c.mg.seed ?? 1}`);
    const written = await writeResults(out, src, pred, { threshold: c.threshold, secondaryCapture: c.sc });
    t.equal(sha(fs.readFileSync(src)), before, 'the source file is not altered');
    t.ok(written.json && written.seg && written.sr, 'JSON, SEG and SR written');
    t.equal(!!written.sc, !!c.sc, 'Secondary Capture only when asked for');
    const files = [written.seg!, written.sr!, ...(written.sc ? [written.sc] : [])];

    let area = 0;
    for (const v of pred.mask.data) area += v;
    if (c.bias?.mask === 30) {
      t.ok(area > 0, 'full mask case has mask pixels');
      // The mask is the breast crop mapped back to the source: on the chest-wall side of the image.
      const w = pred.mask.width;
      let right = 0, left = 0;
      for (let y = 0; y < pred.mask.height; y++) { right += pred.mask.data[y * w + w - 1]; left += pred.mask.data[y * w]; }
      t.ok(c.mg.laterality === 'R' ? right > 0 && left === 0 : left > 0 && right === 0, 'mask lies against the chest wall in the source frame (flip undone)');
    }
    if (c.bias?.mask === -30) t.equal(area, 0, 'nothing-found case has an empty mask');

    t.test('dciodvfy: no errors', { skip: DCIODVFY ? false : 'dciodvfy not installed (Debian dicom3tools)' }, async (t) => {
      for (const f of files) {
        const { report, errors } = dciodvfy(f);
        t.same(errors, [], `${path.basename(f)}: ${report.split('\n')[0]}`);
      }
    });

    t.test('pydicom reads the objects back; SEG pixels equal the predicted mask', { skip: PYDICOM ? false : '/usr/bin/python3 with pydicom not installed (Debian python3-pydicom)' }, async (t) => {
      const back = readBackWithPydicom(files);
      const seg = back[written.seg!], sr = back[written.sr!];
      for (const [f, r] of Object.entries(back)) {
        t.equal(r.StudyInstanceUID, mg.uids.study, `${path.basename(f)}: same study`);
        t.not(r.SeriesInstanceUID, mg.uids.series, `${path.basename(f)}: new series`);
        t.not(r.SOPInstanceUID, mg.uids.sop, `${path.basename(f)}: new instance`);
        t.equal(r.PatientID, 'P0042');
        t.equal(r.PatientName, 'Test^Patient');
        t.equal(r.AccessionNumber, 'ACC0042');
      }
      t.equal(new Set(Object.values(back).map((r) => r.SeriesInstanceUID)).size, files.length, 'each object in its own series');
      t.equal(seg.Modality, 'SEG');
      t.same(seg.shape, [pred.mask.height, pred.mask.width]);
      t.equal(seg.pixels, Array.from(pred.mask.data, (v) => (v ? '1' : '0')).join(''), 'SEG pixels == predicted mask');
      t.equal(seg.source, mg.uids.sop, 'SEG references the source instance');
      t.same(seg.segments, ['Mass']);
      const expectOrientation = c.mg.laterality === 'L' ? (c.mg.view === 'CC' ? "['A', 'R']" : "['A', 'FR']") : (c.mg.view === 'CC' ? "['P', 'L']" : "['P', 'FL']");
      t.equal(seg.PatientOrientation, expectOrientation, 'PatientOrientation set for the projection image');
      t.equal(sr.Modality, 'SR');
      t.equal(sr.evidence, mg.uids.sop, 'SR evidence is the source instance');
      const tree = sr.tree!;
      t.equal(tree[0].name, 'Imaging Measurement Report');
      // TID 1600: the Image Library holds the source image, with its modality and laterality.
      const library = tree.findIndex((r) => r.name === 'Image Library');
      t.equal(tree[library + 1]?.name, 'Image Library Group', 'the Image Library has a group');
      const entry = tree[library + 2];
      t.same([entry?.type, entry?.name, entry?.value], ['IMAGE', 'Source', mg.uids.sop], 'the group holds the source image');
      t.equal(tree.find((r) => r.name === 'Modality')?.value, 'Mammography', 'entry descriptor: modality');
      t.equal(tree.find((r) => r.name === 'Image Laterality')?.value, c.mg.laterality === 'L' ? 'Left' : 'Right', 'entry descriptor: laterality');
      const masses = tree.filter((r) => r.name === 'Tracking Identifier' && String(r.value).startsWith('Mass '));
      t.equal(masses.length, pred.detections.length, 'one measurement group per detected mass');
      const regions = tree.filter((r) => r.type === 'SCOORD');
      const scores = tree.filter((r) => r.name === 'Certainty of Finding');
      pred.detections.forEach((d, i) => {
        const [type, ...xy] = regions[i].value as [string, ...number[]];
        t.equal(type, 'POLYLINE');
        const [x1, y1, x2, y2] = d.box;
        const want = [x1, y1, x2, y1, x2, y2, x1, y2, x1, y1];
        t.ok(xy.every((v, k) => Math.abs(v - want[k]) < 1e-3), `mass ${i + 1}: box as a closed polyline in source pixels`);
        t.ok(Math.abs((scores[i].value as number) - d.score) < 1e-5, `mass ${i + 1}: score`);
      });
      const pathology = tree.filter((r) => r.name === 'Pathology').map((r) => String(r.value).toLowerCase());
      t.same(pathology, [...pred.detections.map(() => pred.label), pred.label], 'predicted class per mass and for the image');
      const pCancer = tree.find((r) => r.name === 'Probability of cancer');
      t.ok(pCancer && Math.abs((pCancer.value as number) - pred.probabilities[2]) < 1e-5, 'image-level malignancy probability');
      t.ok(tree.some((r) => r.name === 'Algorithm Name' && r.value === 'FTMTLNet'), 'algorithm name');
      t.ok(tree.some((r) => r.name === 'Algorithm Version' && r.value === defaultAlgorithm().version), 'algorithm version');
      const summary = tree.find((r) => r.name === 'CAD Processing and Findings Summary');
      const comment = tree.find((r) => r.name === 'Comment');
      if (pred.detections.length === 0) {
        t.equal(summary?.value, 'All algorithms succeeded; without findings', 'SR states that nothing was found');
        t.match(String(comment?.value), /^No mass detected with a score of at least 0\.3\./);
      } else {
        t.equal(summary?.value, 'All algorithms succeeded; with findings');
      }
      if (written.sc) {
        const sc = back[written.sc];
        t.equal(sc.shape?.[2], 3, 'SC is RGB');
        t.equal(sc.source, mg.uids.sop, 'SC references the source');
      }
    });
  });
}

t.test('buildSegmentation: the mask must be the source size; bit packing round-trips', async (t) => {
  const mg = writeMammogram({ width: 13, height: 7 });
  const header = readSourceHeader(mg.bytes, 'mg.dcm');
  t.throws(() => buildSegmentation(header, { width: 7, height: 13, data: new Uint8Array(91) }, defaultAlgorithm()),
    { message: "Expected a mask of the source's size 13x7 for mask but received 7x13" });
  const data = Uint8Array.from({ length: 91 }, (_, i) => (i * 7919) % 3 === 0 ? 1 : 0);
  const seg = buildSegmentation(header, { width: 13, height: 7, data }, defaultAlgorithm());
  t.same([...unpackBinaryFrame(new Uint8Array(seg.PixelData as ArrayBuffer), 91)], [...data]);
});

t.test('results refuse sources they cannot reference', async (t) => {
  const empty = { classes: [], probabilities: [], label: '', detections: [], mask: { width: 4, height: 4, data: new Uint8Array(16) } };
  await t.rejects(dicomResults(new Uint8Array(8), empty, {}, 'x.png'),
    { message: 'x.png: DICOM results need a DICOM Part 10 source (with the "DICM" preamble)' });
  const noStudy = writeDicom({ width: 4, height: 4, values: new Array(16).fill(0), extra: { SOPInstanceUID: '1.2.3', SeriesInstanceUID: '1.2.4' } });
  await t.rejects(dicomResults(noStudy, empty, {}, 'bare.dcm'),
    { message: 'bare.dcm: has no StudyInstanceUID; DICOM results must reference the source by it' });
});

t.test('ftmtlnet predict --dicom-out DIR --secondary-capture --json', async (t) => {
  const model = makeModel(true);
  const ckpt = path.join(dir, 'ckpt');
  await saveModel(model, ckpt);
  await closePredictor(model);
  const mg = writeMammogram({ laterality: 'R', photometric: 'MONOCHROME1', bitsStored: 16, seed: 9 });
  const src = path.join(dir, 'scan.dcm');
  fs.writeFileSync(src, mg.bytes);
  const out = path.join(dir, 'cli-out');
  const r = await runCli('predict', '--model', ckpt, src, '--dicom-out', out, '--secondary-capture', '--json', '--threshold', '0');
  t.equal(r.code, 0, r.stderr);
  const json = JSON.parse(r.stdout);
  t.same(Object.keys(json), ['classes', 'probabilities', 'label', 'detections', 'mask']);
  t.same(fs.readdirSync(out).sort(), ['scan.sc.dcm', 'scan.seg.dcm', 'scan.sr.dcm']);
  const png = path.join(dir, 'x.png');
  fs.writeFileSync(png, Buffer.from('89504e470d0a1a0a', 'hex'));
  const bad = await runCli('predict', '--model', ckpt, png, '--dicom-out', out).catch((e: Error) => ({ code: 1, stdout: '', stderr: e.message }));
  t.match(bad.stderr, /--dicom-out needs a DICOM \(Part 10\) input, but .*x\.png is not one/);
});
