// The one sample type every reader and the phantom generator produce.

// A single-channel image, row-major, values normalised to [0, 1] unless stated in meta.
export interface GrayImage {
  width: number;
  height: number;
  data: Float32Array;
}

export type Box = [x1: number, y1: number, x2: number, y2: number];

export interface Lesion {
  box: Box;              // pixels, image frame, x2/y2 exclusive
  kind: 'mass' | 'calcification' | 'other';
  label?: string;        // e.g. 'benign' | 'malignant' for this lesion
}

export interface Sample {
  id: string;
  image: GrayImage;
  mask: Uint8Array | null;  // width*height, 1 = mass pixel; null when the source has none
  boxes: Box[];             // mass boxes (detection targets)
  label: string;            // image-level class, e.g. 'normal' | 'benign' | 'malignant'
  meta: Record<string, unknown> & {
    source?: string;        // reader name or 'phantom'
    lesions?: Lesion[];     // every annotated lesion, masses and others
    laterality?: 'L' | 'R';
    view?: string;
    split?: string;
    patientId?: string;     // the woman the image belongs to, when the reader knows (patient-folds.ts)
  };
}

// Items that could not be read, with the reason (never dropped silently).
export interface SkippedItem {
  id: string;
  file?: string;
  reason: string;
}

export interface Dataset {
  samples: Sample[];
  skipped: SkippedItem[];
  classes: string[];
}
