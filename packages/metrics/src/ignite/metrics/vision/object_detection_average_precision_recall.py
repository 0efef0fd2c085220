"""COCO-style average precision and recall of object detectors, computed in torch (no torchvision, no pycocotools)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

import torch

from ignite.exceptions import NotComputableError
from ignite.metrics.mean_average_precision import check_thresholds, float_dtype
from ignite.metrics.metric import _CPU, Metric, _identity
from ignite.metrics.metric_group import MetricGroup
from ignite.metrics.vision._matching import Detections, GroundTruths, in_area_range, match_batch, top_per_class

__all__ = ["CommonObjectDetectionMetrics", "ObjectDetectionAvgPrecisionRecall", "coco_tensor_list_to_dict_list"]

AreaRange = Literal["small", "medium", "large", "all"]
_AREA_RANGES: dict[str, tuple[float, float]] = {
    "all": (0.0, 1e10),
    "small": (0.0, 32.0**2),
    "medium": (32.0**2, 96.0**2),
    "large": (96.0**2, 1e10),
}
# Matching works on padded (images, detections, ground truths, thresholds) blocks of at most this many elements.
_BLOCK_ELEMENTS = 1 << 22
# Columns of an accumulated detection row; then T "true positive" and T "false positive" columns.
_LABEL, _SCORE, _RANK, _FIRST_FLAG = 0, 1, 2, 3


def _coco_linspace(start: float, stop: float, num: int) -> list[float]:
    # The same float64 values as numpy.linspace, which pycocotools uses: recalls such as 1/2 land exactly on a level.
    step = (stop - start) / (num - 1)
    return [i * step + start for i in range(num - 1)] + [stop]


def coco_tensor_list_to_dict_list(
    output: tuple[
        Sequence[torch.Tensor | Mapping[str, torch.Tensor]], Sequence[torch.Tensor | Mapping[str, torch.Tensor]]
    ],
) -> tuple[list[dict[str, torch.Tensor]], list[dict[str, torch.Tensor]]]:
    """Convert ``(y_pred, y)`` given as lists of per-image tensors to the lists of dicts that
    :class:`ObjectDetectionAvgPrecisionRecall` reads; lists of dicts pass through unchanged.

    A detection tensor is ``(N, 6)``: ``x1, y1, x2, y2, score, label``; a target tensor is ``(N, 5)``:
    ``x1, y1, x2, y2, label``, or ``(N, 6)`` with a last ``iscrowd`` column.

    >>> import torch
    >>> y_pred, y = coco_tensor_list_to_dict_list(([torch.tensor([[0.0, 0, 4, 4, 0.9, 2]])], [torch.zeros(0, 5)]))
    >>> sorted(y_pred[0]), y_pred[0]["labels"].tolist(), sorted(y[0])
    (['bbox', 'labels', 'scores'], [2], ['bbox', 'labels'])
    """
    y_pred, y = output
    preds = [
        {"bbox": p[:, :4], "scores": p[:, 4], "labels": p[:, 5].long()} if isinstance(p, torch.Tensor) else dict(p)
        for p in y_pred
    ]
    targets: list[dict[str, torch.Tensor]] = []
    for t in y:
        if not isinstance(t, torch.Tensor):
            targets.append(dict(t))
            continue
        target = {"bbox": t[:, :4], "labels": t[:, 4].long()}
        if t.shape[1] > 5:
            target["iscrowd"] = t[:, 5].bool()
        targets.append(target)
    return preds, targets


def _tensor(item: Mapping[str, Any], key: str, where: str, shape: str, ndim: int) -> torch.Tensor:
    value = item[key]
    if not isinstance(value, torch.Tensor):
        raise TypeError(
            f"Argument {where}[{key!r}] should be a torch.Tensor of shape {shape}, got {type(value).__name__}"
        )
    if value.ndim != ndim or (ndim == 2 and value.shape[1] != 4):
        raise ValueError(f"Argument {where}[{key!r}] should have shape {shape}, got {tuple(value.shape)}")
    return value.detach()


def _as_labels(labels: torch.Tensor, name: str, num_classes: int) -> torch.Tensor:
    if labels.is_floating_point():
        if bool((labels != labels.round()).any()):
            raise ValueError(f"Argument {name} should hold integer class indices, got non-integer values")
    elif labels.dtype == torch.bool or labels.is_complex():
        raise TypeError(f"Argument {name} should be an integer tensor of class indices, got dtype {labels.dtype}")
    if labels.numel():
        low, high = (int(v) for v in torch.aminmax(labels))
        if low < 0 or high >= num_classes:
            raise ValueError(
                f"Argument {name} should hold class indices in [0, {num_classes - 1}] (num_classes={num_classes}), "
                f"got values in [{low}, {high}]"
            )
    return labels.long()


def _no_nan(name: str, t: torch.Tensor) -> None:
    if t.numel() and bool(torch.isnan(t).any()):
        raise ValueError(f"Argument {name} should not contain NaN, got a tensor of shape {tuple(t.shape)} with NaN")


def _mean_of_defined(values: torch.Tensor) -> float:
    defined = values[values > -1]
    return float(defined.mean()) if defined.numel() else -1.0


class ObjectDetectionAvgPrecisionRecall(Metric):
    """Mean average precision and mean average recall of a detector, as COCO computes them (``pycocotools``).

    Detections are matched greedily, in decreasing score order, to ground truths of their class at each IoU
    threshold; crowd ground truths and those outside ``area_range`` are ignored (a detection matched to one, or an
    unmatched detection outside the range, counts neither as true nor false positive). The precision at each
    recall level is the best precision at that recall or beyond; AP of a class is its mean over ``rec_thresholds``.
    AR of a class is its final recall. ``compute()`` returns ``(AP, AR)``, each the mean over the classes having
    ground truth and over the IoU thresholds, or ``(-1.0, -1.0)`` when no class has any.

    Args:
        iou_thresholds: IoU thresholds in [0, 1]; default COCO's 0.5, 0.55, ..., 0.95.
        rec_thresholds: recall levels in [0, 1]; default COCO's 0, 0.01, ..., 1.
        num_classes: number of categories; labels lie in ``[0, num_classes)``. Default 80, as COCO.
        max_detections_per_image_per_class: the most confident detections kept per image and class.
        area_range: ``"all"``, ``"small"`` (area <= 32 ** 2), ``"medium"`` (32 ** 2 to 96 ** 2) or ``"large"``;
            areas are those of the boxes.
        output_transform, device, skip_unrolling: see :class:`~ignite.metrics.metric.Metric`.

    ``update((y_pred, y))`` takes two lists with one dict per image: ``y_pred[i]`` has ``"bbox"`` ``(N, 4)``
    boxes ``(x1, y1, x2, y2)``, ``"scores"`` ``(N,)`` and ``"labels"`` ``(N,)``; ``y[i]`` has ``"bbox"``
    ``(M, 4)``, ``"labels"`` ``(M,)`` and optionally ``"iscrowd"`` ``(M,)``
    (see :func:`coco_tensor_list_to_dict_list` for tensors).

    >>> import torch
    >>> m = ObjectDetectionAvgPrecisionRecall(num_classes=2)
    >>> y_pred = [{"bbox": torch.tensor([[0.0, 0, 10, 10], [20, 20, 30, 30]]), "scores": torch.tensor([0.9, 0.8]),
    ...            "labels": torch.tensor([0, 1])}]
    >>> y = [{"bbox": torch.tensor([[0.0, 0, 10, 10], [50, 50, 60, 60]]), "labels": torch.tensor([0, 1])}]
    >>> m.update((y_pred, y))
    >>> m.compute()
    (0.5, 0.5)
    """

    _num_images: torch.Tensor
    _y_true_count: torch.Tensor
    _detections: list[torch.Tensor]

    def __init__(
        self,
        iou_thresholds: Sequence[float] | torch.Tensor | None = None,
        rec_thresholds: Sequence[float] | torch.Tensor | None = None,
        num_classes: int = 80,
        max_detections_per_image_per_class: int = 100,
        area_range: AreaRange = "all",
        output_transform: Callable[..., Any] = _identity,
        device: str | torch.device = _CPU,
        skip_unrolling: bool = False,
    ) -> None:
        for name, value in (
            ("num_classes", num_classes),
            ("max_detections_per_image_per_class", max_detections_per_image_per_class),
        ):
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"Argument {name} should be a positive int, got {type(value).__name__}")
            if value <= 0:
                raise ValueError(f"Argument {name} should be a positive int, got {value}")
        if area_range not in _AREA_RANGES:
            raise ValueError(f"Argument area_range should be one of {tuple(_AREA_RANGES)}, got {area_range!r}")
        self._num_classes = num_classes
        self._max_detections_per_image_per_class = max_detections_per_image_per_class
        self._area_range = area_range
        super().__init__(output_transform=output_transform, device=device, skip_unrolling=skip_unrolling)
        self._fp = float_dtype(self._device)
        if iou_thresholds is None:
            iou_thresholds = _coco_linspace(0.5, 0.95, 10)
        if rec_thresholds is None:
            rec_thresholds = _coco_linspace(0.0, 1.0, 101)
        self._iou_thresholds = check_thresholds(iou_thresholds, "iou_thresholds", self._device, self._fp)
        self.rec_thresholds = check_thresholds(rec_thresholds, "rec_thresholds", self._device, self._fp)
        self.add_state("_num_images", torch.tensor(0, dtype=torch.int64), "sum")
        self.add_state("_y_true_count", torch.zeros(num_classes, dtype=torch.int64), "sum")
        # One row per kept detection: label, score, rank in its (image, class), then T TP and T FP flags.
        self.add_state("_detections", [], "cat")
        self.reset()

    def reset(self) -> None:
        super().reset()
        if "_detections" in self._state_specs:
            # A typed empty block: a rank without detections still gathers rows of the right width and dtype.
            width = _FIRST_FLAG + 2 * self._iou_thresholds.numel()
            self._detections.append(torch.empty((0, width), dtype=self._fp, device=self._device))

    # --- update ---------------------------------------------------------------------------------------------

    def _check_matching_input(self, output: Any) -> tuple[Sequence[Mapping[str, Any]], Sequence[Mapping[str, Any]]]:
        if not isinstance(output, (tuple, list)) or len(output) != 2:
            raise TypeError(f"Argument output should be a pair (y_pred, y) of lists, got {type(output).__name__}")
        y_pred, y = output
        for name, value in (("y_pred", y_pred), ("y", y)):
            if not isinstance(value, Sequence) or isinstance(value, str):
                raise TypeError(f"Argument {name} should be a list of dicts, one per image, got {type(value).__name__}")
        if len(y_pred) != len(y):
            raise ValueError(f"Arguments y_pred and y should hold as many images, got {len(y_pred)} and {len(y)}")
        if len(y_pred) == 0:
            raise ValueError("Arguments y_pred and y should hold at least one image, got empty lists")
        for name, items, keys in (("y_pred", y_pred, ("bbox", "scores", "labels")), ("y", y, ("bbox", "labels"))):
            for i, item in enumerate(items):
                if not isinstance(item, Mapping) or any(k not in item for k in keys):
                    got = sorted(item) if isinstance(item, Mapping) else type(item).__name__
                    raise ValueError(f"Argument {name}[{i}] should be a dict with keys {list(keys)}, got {got}")
        return y_pred, y

    def _gather_inputs(
        self, y_pred: Sequence[Mapping[str, Any]], y: Sequence[Mapping[str, Any]]
    ) -> tuple[Detections, GroundTruths]:
        det_parts: list[list[torch.Tensor]] = [[], [], [], []]
        gt_parts: list[list[torch.Tensor]] = [[], [], [], []]
        for i, (pred, target) in enumerate(zip(y_pred, y, strict=True)):
            boxes = _tensor(pred, "bbox", f"y_pred[{i}]", "(N, 4)", 2)
            scores = _tensor(pred, "scores", f"y_pred[{i}]", "(N,)", 1)
            labels = _tensor(pred, "labels", f"y_pred[{i}]", "(N,)", 1)
            if not boxes.shape[0] == scores.shape[0] == labels.shape[0]:
                raise ValueError(
                    f"Argument y_pred[{i}] should hold as many boxes, scores and labels, got "
                    f"{boxes.shape[0]}, {scores.shape[0]} and {labels.shape[0]}"
                )
            gt_boxes = _tensor(target, "bbox", f"y[{i}]", "(M, 4)", 2)
            gt_labels = _tensor(target, "labels", f"y[{i}]", "(M,)", 1)
            if "iscrowd" in target:
                crowd = _tensor(target, "iscrowd", f"y[{i}]", "(M,)", 1).bool()
            else:
                crowd = torch.zeros(gt_labels.shape, dtype=torch.bool, device=gt_labels.device)
            if not gt_boxes.shape[0] == gt_labels.shape[0] == crowd.shape[0]:
                raise ValueError(
                    f"Argument y[{i}] should hold as many boxes, labels and iscrowd flags, got "
                    f"{gt_boxes.shape[0]}, {gt_labels.shape[0]} and {crowd.shape[0]}"
                )
            image = torch.full((labels.shape[0],), i, dtype=torch.int64, device=labels.device)
            for part, value in zip(det_parts, (boxes, scores, labels, image), strict=True):
                part.append(value)
            image = torch.full((gt_labels.shape[0],), i, dtype=torch.int64, device=gt_labels.device)
            for part, value in zip(gt_parts, (gt_boxes, gt_labels, crowd, image), strict=True):
                part.append(value)
        fp = self._fp
        boxes, scores, labels, image = (torch.cat(p) for p in det_parts)
        gt_boxes, gt_labels, crowd, gt_image = (torch.cat(p) for p in gt_parts)
        for name, t in (("y_pred['bbox']", boxes), ("y_pred['scores']", scores), ("y['bbox']", gt_boxes)):
            _no_nan(name, t)
        dets = Detections(boxes.to(fp), scores.to(fp), _as_labels(labels, "y_pred['labels']", self._num_classes), image)
        gts = GroundTruths(gt_boxes.to(fp), _as_labels(gt_labels, "y['labels']", self._num_classes), crowd, gt_image)
        return dets, gts

    def update(self, output: Any) -> None:
        y_pred, y = self._check_matching_input(output)
        # Blocks of images keep the padded matching tensors small.
        max_boxes = max(max(len(p["labels"]), len(t["labels"]), 1) for p, t in zip(y_pred, y, strict=True))
        per_block = max(1, _BLOCK_ELEMENTS // (max_boxes * max_boxes * self._iou_thresholds.numel()))
        for start in range(0, len(y_pred), per_block):
            self._update_block(y_pred[start : start + per_block], y[start : start + per_block])

    def _update_block(self, y_pred: Sequence[Mapping[str, Any]], y: Sequence[Mapping[str, Any]]) -> None:
        dets, gts = self._gather_inputs(y_pred, y)
        self._num_images += len(y_pred)
        area_range = _AREA_RANGES[self._area_range]
        gt_ignored = gts.crowd | ~in_area_range(gts.boxes, area_range)
        counted = torch.bincount(gts.labels[~gt_ignored], minlength=self._num_classes)
        self._y_true_count += counted.to(self._device)
        dets, ranks = top_per_class(dets, self._num_classes, self._max_detections_per_image_per_class)
        if dets.labels.numel() == 0:
            return
        matched, matched_ignored = match_batch(dets, ranks, gts, gt_ignored, self._iou_thresholds, len(y_pred))
        true_pos = matched & ~matched_ignored
        false_pos = ~matched & in_area_range(dets.boxes, area_range)[:, None]
        fp = self._fp
        rows = torch.cat(
            [
                dets.labels.to(fp)[:, None],
                dets.scores[:, None],
                ranks.to(fp)[:, None],
                true_pos.to(fp),
                false_pos.to(fp),
            ],
            dim=1,
        )
        self._detections.append(rows.to(self._device))

    # --- compute --------------------------------------------------------------------------------------------

    def _table(self, max_detections: int | None = None) -> torch.Tensor:
        """``(2, C, T)``: AP and AR per class and IoU threshold; -1 for a class without ground truth.

        ``max_detections`` keeps fewer detections per image and class than were accumulated (greedy matching
        gives the same matches to the top ones whatever the number kept).
        """
        num_thr = self._iou_thresholds.numel()
        rows = torch.cat(self._detections)
        if max_detections is not None:
            rows = rows[rows[:, _RANK] < max_detections]
        rows = rows[torch.argsort(rows[:, _SCORE], descending=True, stable=True)]
        rows = rows[torch.argsort(rows[:, _LABEL], stable=True)]
        per_class = torch.bincount(rows[:, _LABEL].long(), minlength=self._num_classes).tolist()
        counts = self._y_true_count.tolist()
        table = torch.full((2, self._num_classes, num_thr), -1.0, dtype=self._fp, device=self._device)
        levels = self.rec_thresholds.expand(num_thr, -1).contiguous()
        start = 0
        for cls, (n, positives) in enumerate(zip(per_class, counts, strict=True)):
            block, start = rows[start : start + n], start + n
            if positives == 0:
                continue
            if n == 0:
                table[:, cls] = 0.0
                continue
            true_pos = block[:, _FIRST_FLAG : _FIRST_FLAG + num_thr].T.cumsum(1)
            false_pos = block[:, _FIRST_FLAG + num_thr :].T.cumsum(1)
            recall = true_pos / positives
            accepted = true_pos + false_pos
            precision = torch.where(accepted > 0, true_pos / accepted.clamp(min=1.0), 0.0)
            envelope = precision.flip(1).cummax(1).values.flip(1)
            index = torch.searchsorted(recall.contiguous(), levels)
            at_level = torch.where(index < n, envelope.gather(1, index.clamp(max=n - 1)), 0.0)
            table[0, cls] = at_level.mean(1)
            table[1, cls] = recall[:, -1]
        return table

    def _check_computable(self) -> None:
        if int(self._num_images) == 0:
            raise NotComputableError(
                "ObjectDetectionAvgPrecisionRecall must have at least one image before it can be computed."
            )

    def compute(self) -> tuple[float, float]:
        self._check_computable()
        table = self._table()
        return _mean_of_defined(table[0]), _mean_of_defined(table[1])


class CommonObjectDetectionMetrics(MetricGroup):
    """COCO's summary of a detector, as a dict:

    ``AP@50..95`` (AP over IoU 0.5:0.95), ``AR-100`` (AR, 100 detections), ``AP@50``, ``AP@75`` (AP at IoU 0.5 and
    0.75), ``AP-S`` / ``AR-S``, ``AP-M`` / ``AR-M``, ``AP-L`` / ``AR-L`` (small, medium, large objects) and
    ``AR-1`` / ``AR-10`` (AR with 1 and 10 detections per image and class). Takes the inputs of
    :class:`ObjectDetectionAvgPrecisionRecall`; the "1" and "10" values reuse the matching of the "all" metric.
    """

    _state_dict_all_req_keys = ("metrics",)

    def __init__(
        self,
        num_classes: int = 80,
        output_transform: Callable[..., Any] = _identity,
        device: str | torch.device = _CPU,
        skip_unrolling: bool = True,
    ) -> None:
        def make(area: AreaRange) -> ObjectDetectionAvgPrecisionRecall:
            return ObjectDetectionAvgPrecisionRecall(num_classes=num_classes, area_range=area, device=device)

        metrics: dict[str, Metric] = {"all": make("all"), "S": make("small"), "M": make("medium"), "L": make("large")}
        super().__init__(metrics, output_transform=output_transform, skip_unrolling=skip_unrolling)

    @property
    def ap_50_95(self) -> ObjectDetectionAvgPrecisionRecall:
        """The metric over all areas (100 detections per image and class), as in Ignite."""
        metric = self.metrics["all"]
        assert isinstance(metric, ObjectDetectionAvgPrecisionRecall)
        return metric

    def compute(self) -> dict[str, float]:
        overall = self.ap_50_95
        overall._check_computable()
        table = overall._table()
        ap, ar = table[0], table[1]
        result = {
            "AP@50..95": _mean_of_defined(ap),
            "AR-100": _mean_of_defined(ar),
            "AP@50": _mean_of_defined(ap[:, 0]),
            "AP@75": _mean_of_defined(ap[:, 5]),
        }
        for key in ("S", "M", "L"):
            metric = self.metrics[key]
            assert isinstance(metric, ObjectDetectionAvgPrecisionRecall)
            result[f"AP-{key}"], result[f"AR-{key}"] = metric.compute()
        result["AR-1"] = _mean_of_defined(overall._table(1)[1])
        result["AR-10"] = _mean_of_defined(overall._table(10)[1])
        return result
