// What an Orthanc archive holds after the connector ran: for every mammogram (MG instance), how
// many SEG and SR instances reference it. The exactly-once check of the tests and the fault run.
import { OrthancClient } from '../../lib/orthanc/orthanc-client';

interface SeriesInfo { ID: string; MainDicomTags: Record<string, string>; Instances: string[] }
type Tags = Record<string, unknown>;

export interface ArchiveAudit {
  mg: number;                              // MG instances
  seg: number;                             // SEG instances
  sr: number;                              // SR instances
  other: number;                           // anything else (e.g. Secondary Captures)
  perSource: Map<string, { seg: number; sr: number }>;   // MG SOP Instance UID -> results referencing it
}

function first(v: unknown): Tags | undefined {
  return Array.isArray(v) ? (v[0] as Tags | undefined) : undefined;
}

// The SOP Instance UID a SEG or SR of ours references (its only source image).
function referencedSop(tags: Tags): string | undefined {
  if (tags.Modality === 'SEG') return first(first(tags.ReferencedSeriesSequence)?.ReferencedInstanceSequence)?.ReferencedSOPInstanceUID as string | undefined;
  const evidence = first(tags.CurrentRequestedProcedureEvidenceSequence) ?? first(tags.PertinentOtherEvidenceSequence);
  const series = first(evidence?.ReferencedSeriesSequence);
  return first(series?.ReferencedSOPSequence)?.ReferencedSOPInstanceUID as string | undefined;
}

export async function auditArchive(client: OrthancClient): Promise<ArchiveAudit> {
  const audit: ArchiveAudit = { mg: 0, seg: 0, sr: 0, other: 0, perSource: new Map() };
  const series = await client.getJson<SeriesInfo[]>('/series?expand');
  const results: string[] = [];
  for (const s of series) {
    const modality = s.MainDicomTags.Modality;
    if (modality === 'MG') {
      for (const id of s.Instances) {
        const sop = (await client.getJson<{ MainDicomTags: Record<string, string> }>(`/instances/${id}`)).MainDicomTags.SOPInstanceUID;
        audit.mg++;
        audit.perSource.set(sop, audit.perSource.get(sop) ?? { seg: 0, sr: 0 });
      }
    } else if (modality === 'SEG' || modality === 'SR') {
      results.push(...s.Instances);
    } else {
      audit.other += s.Instances.length;
    }
  }
  for (const id of results) {
    const tags = await client.getJson<Tags>(`/instances/${id}/tags?simplify`);
    const kind = tags.Modality === 'SEG' ? 'seg' : 'sr';
    audit[kind]++;
    const sop = referencedSop(tags);
    const entry = sop ? audit.perSource.get(sop) : undefined;
    if (entry) entry[kind]++;
    else audit.perSource.set(`unreferenced ${kind} ${id}`, { seg: kind === 'seg' ? 1 : 0, sr: kind === 'sr' ? 1 : 0 });
  }
  return audit;
}

// Sources without exactly one SEG and one SR (empty when the archive is right).
export function auditProblems(audit: ArchiveAudit): string[] {
  return [...audit.perSource].filter(([, c]) => c.seg !== 1 || c.sr !== 1).map(([sop, c]) => `${sop}: ${c.seg} SEG, ${c.sr} SR`);
}
