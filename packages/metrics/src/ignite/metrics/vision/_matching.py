"""COCO's greedy matching of detections to ground truths, for a batch of images at once.

Within one image and one class, detections are matched in decreasing score order, each to the best still-free
ground truth of that class whose IoU reaches the threshold; a ground truth that is not ignored is preferred to an
ignored one (crowd or outside the area range), then the highest IoU, then the later box; crowd boxes stay free.
Detections of different classes or images never compete, so the k-th detection of every (image, class) group is
matched in the same step: the Python loop runs ``max detections per (image, class)`` times per batch, not once per
detection.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ignite.metrics.vision._box_iou import box_area, box_iou

__all__ = ["Detections", "GroundTruths", "match_batch"]


@dataclass(frozen=True)
class Detections:
    """The detections of a batch of images, concatenated: ``image`` is each one's index in the batch."""

    boxes: torch.Tensor  # (D, 4) float, xyxy
    scores: torch.Tensor  # (D,)
    labels: torch.Tensor  # (D,) int64
    image: torch.Tensor  # (D,) int64


@dataclass(frozen=True)
class GroundTruths:
    boxes: torch.Tensor  # (G, 4) float, xyxy
    labels: torch.Tensor  # (G,) int64
    crowd: torch.Tensor  # (G,) bool
    image: torch.Tensor  # (G,) int64


def in_area_range(boxes: torch.Tensor, area_range: tuple[float, float]) -> torch.Tensor:
    area = box_area(boxes)
    return (area >= area_range[0]) & (area <= area_range[1])


def _positions(image: torch.Tensor, num_images: int) -> tuple[torch.Tensor, int]:
    """Index of each item within its image (items sorted by image) and the largest count per image."""
    counts = torch.bincount(image, minlength=num_images)
    starts = torch.cumsum(counts, 0) - counts
    return torch.arange(image.numel(), device=image.device) - starts[image], int(counts.max()) if counts.numel() else 0


def _pad(
    values: torch.Tensor, image: torch.Tensor, pos: torch.Tensor, shape: tuple[int, ...], fill: float
) -> torch.Tensor:
    out = torch.full(shape, fill, dtype=values.dtype, device=values.device)
    out[image, pos] = values
    return out


def top_per_class(dets: Detections, num_classes: int, max_per_class: int) -> tuple[Detections, torch.Tensor]:
    """Keep the ``max_per_class`` highest-scored detections of each (image, class), sorted by image, class and
    decreasing score (equal scores keep their input order); also return each kept one's rank in its group.
    """
    order = torch.argsort(dets.scores, descending=True, stable=True)
    group = (dets.image * num_classes + dets.labels)[order]
    by_group = torch.argsort(group, stable=True)
    order, group = order[by_group], group[by_group]
    n = group.numel()
    first = torch.ones(n, dtype=torch.bool, device=group.device)
    first[1:] = group[1:] != group[:-1]
    positions = torch.arange(n, device=group.device)
    rank = positions - torch.where(first, positions, 0).cummax(0).values
    keep = rank < max_per_class
    order = order[keep]
    kept = Detections(dets.boxes[order], dets.scores[order], dets.labels[order], dets.image[order])
    return kept, rank[keep]


def match_batch(
    dets: Detections,
    ranks: torch.Tensor,
    gts: GroundTruths,
    gt_ignored: torch.Tensor,
    iou_thresholds: torch.Tensor,
    num_images: int,
) -> tuple[torch.Tensor, torch.Tensor]:
    """For detections sorted as :func:`top_per_class` leaves them, ``(matched, matched_ignored)``, both ``(D, T)``
    bool: whether each detection is matched at each IoU threshold, and whether to an ignored ground truth.
    """
    num_dets, num_thr = dets.labels.numel(), iou_thresholds.numel()
    device = dets.boxes.device
    matched = torch.zeros((num_dets, num_thr), dtype=torch.bool, device=device)
    if num_dets == 0 or gts.labels.numel() == 0:
        return matched, matched.clone()
    det_pos, max_dets = _positions(dets.image, num_images)
    gt_pos, max_gts = _positions(gts.image, num_images)
    shape_d, shape_g = (num_images, max_dets), (num_images, max_gts)
    det_boxes = _pad(dets.boxes, dets.image, det_pos, (*shape_d, 4), 0.0)
    gt_boxes = _pad(gts.boxes, gts.image, gt_pos, (*shape_g, 4), 0.0)
    crowd = _pad(gts.crowd, gts.image, gt_pos, shape_g, False)
    ignored = _pad(gt_ignored, gts.image, gt_pos, shape_g, True)
    # Padding labels -1 (detections) and -2 (ground truths) never equal a real label or each other.
    same = (
        _pad(dets.labels, dets.image, det_pos, shape_d, -1)[:, :, None]
        == _pad(gts.labels, gts.image, gt_pos, shape_g, -2)[:, None, :]
    )
    iou = torch.where(same, box_iou(det_boxes, gt_boxes, crowd), -1.0)
    # Any free ground truth that is not ignored beats every ignored one: IoUs lie in [0, 1].
    preference = torch.where(ignored, 0.0, 2.0).to(iou.dtype)
    step = _pad(ranks, dets.image, det_pos, shape_d, -1)
    taken = torch.zeros((num_images, num_thr, max_gts), dtype=torch.bool, device=device)
    best = torch.full((num_images, max_dets, num_thr), -1, dtype=torch.int64, device=device)
    thresholds = iou_thresholds.to(iou.dtype)[None, :, None]
    thr_index = torch.arange(num_thr, device=device)[None, :]
    for k in range(int(ranks.max()) + 1):
        b, d = torch.nonzero(step == k, as_tuple=True)
        rows = iou[b, d][:, None, :]  # (n, 1, G)
        free = (rows >= thresholds) & ~taken[b]  # (n, T, G)
        score = torch.where(free, rows + preference[b][:, None, :], -1.0)
        # argmax returns the first maximum; COCO keeps the last one, so search the reversed boxes.
        g = max_gts - 1 - score.flip(-1).argmax(-1)  # (n, T)
        hit = free.any(-1)
        best[b, d] = torch.where(hit, g, -1)
        lock = hit & ~crowd[b].gather(1, g)
        lock_b = b[:, None].expand_as(g)[lock]
        taken[lock_b, thr_index.expand_as(g)[lock], g[lock]] = True
    best = best[dets.image, det_pos]  # (D, T)
    matched = best >= 0
    matched_ignored = matched & ignored[dets.image[:, None], best.clamp(min=0)]
    return matched, matched_ignored
