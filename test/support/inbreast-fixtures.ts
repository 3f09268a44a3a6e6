// INbreast-style fixtures: OsiriX XML plist ROI files and the semicolon CSV.

export interface RoiFixture { name: string; points: Array<[number, number]>; numberOfPoints?: number }

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function osirixXml(rois: RoiFixture[], width = 0, height = 0): string {
  const roiXml = rois.map((r, k) => `
\t\t\t\t<dict>
\t\t\t\t\t<key>Area</key>\n\t\t\t\t\t<real>12.5</real>
\t\t\t\t\t<key>Center</key>\n\t\t\t\t\t<string>(1.0, 2.0, 0.000000)</string>
\t\t\t\t\t<key>IndexInImage</key>\n\t\t\t\t\t<integer>${k}</integer>
\t\t\t\t\t<key>Name</key>\n\t\t\t\t\t<string>${esc(r.name)}</string>
\t\t\t\t\t<key>NumberOfPoints</key>\n\t\t\t\t\t<integer>${r.numberOfPoints ?? r.points.length}</integer>
\t\t\t\t\t<key>Point_mm</key>\n\t\t\t\t\t<array>${r.points.map(([x, y]) => `<string>(${(x * 0.07).toFixed(4)}, ${(y * 0.07).toFixed(4)}, 0)</string>`).join('')}</array>
\t\t\t\t\t<key>Point_px</key>
\t\t\t\t\t<array>
${r.points.map(([x, y]) => `\t\t\t\t\t\t<string>(${x.toFixed(6)}, ${y.toFixed(6)})</string>`).join('\n')}
\t\t\t\t\t</array>
\t\t\t\t\t<key>Type</key>\n\t\t\t\t\t<integer>${r.points.length === 1 ? 19 : 15}</integer>
\t\t\t\t</dict>`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
\t<key>Images</key>
\t<array>
\t\t<dict>
\t\t\t<key>ImageHeight</key>\n\t\t\t<integer>${height}</integer>
\t\t\t<key>ImageIndex</key>\n\t\t\t<integer>0</integer>
\t\t\t<key>ImageWidth</key>\n\t\t\t<integer>${width}</integer>
\t\t\t<key>NumberOfROIs</key>\n\t\t\t<integer>${rois.length}</integer>
\t\t\t<key>ROIs</key>
\t\t\t<array>${roiXml}
\t\t\t</array>
\t\t</dict>
\t</array>
</dict>
</plist>
`;
}

export function inbreastCsv(rows: Array<{ file: string; birads: string; laterality?: string; view?: string }>): string {
  return ['Patient ID;Patient age;Laterality;View;Acquisition date;File Name;ACR;Bi-Rads',
    ...rows.map((r) => `removed;removed;${r.laterality ?? 'L'};${r.view ?? 'CC'};201001;${r.file};2;${r.birads}`)].join('\r\n') + '\r\n';
}
