"""Areas and pairwise IoU of ``(x1, y1, x2, y2)`` boxes, batched over a leading dimension (no torchvision)."""

from __future__ import annotations

import torch

__all__ = ["box_area", "box_iou"]


def box_area(boxes: torch.Tensor) -> torch.Tensor:
    """Areas ``(...,)`` of boxes ``(..., 4)`` given as ``(x1, y1, x2, y2)``.

    >>> import torch
    >>> box_area(torch.tensor([[0.0, 0.0, 2.0, 3.0]])).tolist()
    [6.0]
    """
    return (boxes[..., 2] - boxes[..., 0]) * (boxes[..., 3] - boxes[..., 1])


def box_iou(boxes: torch.Tensor, others: torch.Tensor, crowd: torch.Tensor | None = None) -> torch.Tensor:
    """IoU ``(..., N, M)`` of each box of ``boxes`` ``(..., N, 4)`` with each box of ``others`` ``(..., M, 4)``.

    Against a crowd box (``crowd`` ``(..., M)`` True) the union is the area of the first box alone, as in COCO: a
    detection lying inside a crowd region overlaps it fully. A pair with an empty union has IoU 0.

    >>> import torch
    >>> a = torch.tensor([[0.0, 0.0, 2.0, 2.0]])
    >>> b = torch.tensor([[1.0, 0.0, 3.0, 2.0], [0.0, 0.0, 4.0, 4.0]])
    >>> box_iou(a, b).tolist()
    [[0.3333333432674408, 0.25]]
    >>> box_iou(a, b, crowd=torch.tensor([False, True])).tolist()
    [[0.3333333432674408, 1.0]]
    """
    top_left = torch.maximum(boxes[..., :, None, :2], others[..., None, :, :2])
    bottom_right = torch.minimum(boxes[..., :, None, 2:], others[..., None, :, 2:])
    sides = (bottom_right - top_left).clamp(min=0)
    inter = sides[..., 0] * sides[..., 1]
    area = box_area(boxes)[..., :, None]
    union = area + box_area(others)[..., None, :] - inter
    if crowd is not None:
        union = torch.where(crowd[..., None, :], area, union)
    return torch.where(union > 0, inter / union.clamp(min=torch.finfo(union.dtype).tiny), 0.0)
