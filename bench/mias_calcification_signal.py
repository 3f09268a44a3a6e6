#!/usr/bin/python3
# Is there a calcification signal in the 512-px mini-MIAS images? (model card, "Where the AUC is
# lost"). A hand-made detector of small bright spots: white top-hat (grey opening with a k x k
# square), spots = local maxima of the top-hat above t, density = spots per w x w window,
# inside the breast (threshold 0.1, eroded 21 px away from the skin line).
#   1. Image level: the largest spot density of an image as a score; ROC AUC of the malignant
#      calcification images against the normal and against all non-malignant images, for each of
#      12 settings (k, t, w).
#   2. Lesion level: at each located calcification, the largest density inside its circle and
#      where that falls among the densities over the rest of the same breast (1.0: nowhere else in
#      the breast has as many spots in one window).
# Usage: /usr/bin/python3 bench/mias_calcification_signal.py ../shared/data/mias
# Needs numpy, Pillow and torch (Debian: python3-torch python3-pil); torch only for max pooling.
import json, sys
import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

root = sys.argv[1] if len(sys.argv) > 1 else '../shared/data/mias'
records = json.load(open(f'{root}/mias.json'))


def load(image_id):
    im = np.asarray(Image.open(f'{root}/{image_id}.png').convert('L'), dtype=np.float32) / 255.0
    return torch.from_numpy(im)[None, None]


def spots(x, k, t):
    breast = -F.max_pool2d(-(x > 0.1).float(), 21, 1, 10)
    opened = F.max_pool2d(-F.max_pool2d(-x, k, 1, k // 2), k, 1, k // 2)
    tophat = (x - opened) * breast
    peaks = (tophat > t).float() * (tophat == F.max_pool2d(tophat, 3, 1, 1)).float()
    return peaks, breast[0, 0] > 0


def auc(pos, neg):
    pos, neg = np.array(pos)[:, None], np.array(neg)[None, :]
    return float((pos > neg).mean() + 0.5 * (pos == neg).mean())


def kinds(r):
    return {a['class'] for a in r['abnormalities']}


settings = [(k, t, w) for k in (3, 5) for t in (0.04, 0.06, 0.08) for w in (16, 32)]
scores = {s: {} for s in settings}
for r in records:
    x = load(r['id'])
    for k, t, w in settings:
        peaks, _ = spots(x, k, t)
        scores[(k, t, w)][r['id']] = float((F.avg_pool2d(peaks, w, w // 2) * w * w).max())

malignant_calc = [r['id'] for r in records if r['label'] == 'malignant' and 'CALC' in kinds(r)]
benign_calc = [r['id'] for r in records if r['label'] == 'benign' and 'CALC' in kinds(r)]
normal = [r['id'] for r in records if r['label'] == 'normal']
non_malignant = [r['id'] for r in records if r['label'] != 'malignant']
print(f'image level: {len(malignant_calc)} malignant and {len(benign_calc)} benign calcification images, {len(normal)} normal')
print('k  t     w   AUC malignant calc vs normal | vs non-malignant | benign calc vs normal')
for s in settings:
    sc = scores[s]
    print('%d  %.2f  %2d  %.3f | %.3f | %.3f' % (*s, auc([sc[i] for i in malignant_calc], [sc[i] for i in normal]),
          auc([sc[i] for i in malignant_calc], [sc[i] for i in non_malignant]), auc([sc[i] for i in benign_calc], [sc[i] for i in normal])))

print('lesion level (k 3, t 0.04, w 32): spots in the densest window inside the circle; its percentile over the rest of the breast')
yy, xx = torch.meshgrid(torch.arange(512), torch.arange(512), indexing='ij')
for r in records:
    located = [a for a in r['abnormalities'] if a['class'] == 'CALC' and a.get('x') is not None]
    if not located:
        continue
    peaks, breast = spots(load(r['id']), 3, 0.04)
    density = (F.avg_pool2d(peaks, 32, 1, 16)[0, 0] * 32 * 32)[:512, :512]
    for a in located:
        inside = ((xx - a['x']) ** 2 + (yy - a['y']) ** 2 <= max(8, a['radius']) ** 2) & breast
        if not inside.any():
            print(f"{r['id']} {a['severity']}: circle outside the breast mask")
            continue
        top = float(density[inside].max())
        rank = float((density[breast & ~inside] < top).float().mean())
        print('%s %s radius %3d: %2.0f spots, percentile %.3f' % (r['id'], a['severity'], a['radius'], top, rank))
