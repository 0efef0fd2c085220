"""ignite.metrics.vision against pycocotools' COCOeval on generated detections (built in memory, xyxy -> xywh)."""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import numpy as np
import pytest
import torch
from _metric_tester import check_metric
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from ignite.exceptions import NotComputableError
from ignite.metrics import vision
from ignite.metrics.vision import CommonObjectDetectionMetrics, ObjectDetectionAvgPrecisionRecall
from ignite.metrics.vision._box_iou import box_iou
from ignite.metrics.vision.object_detection_average_precision_recall import (
    AreaRange,
    _coco_linspace,
    coco_tensor_list_to_dict_list,
)

DISTRIBUTED = [False, pytest.param(True, marks=pytest.mark.slow)]
Image = dict[str, torch.Tensor]
Batch = tuple[list[Image], list[Image]]
NUM_CLASSES = 5
# COCOeval.stats order, and the keys of CommonObjectDetectionMetrics holding the same values.
STATS_KEYS = ["AP@50..95", "AP@50", "AP@75", "AP-S", "AP-M", "AP-L", "AR-1", "AR-10", "AR-100", "AR-S", "AR-M", "AR-L"]


def generate(num_images: int, seed: int, tied_scores: bool = False) -> tuple[list[Image], list[Image]]:
    """Ground truths of all sizes (some crowd, some images empty) and detections: jittered copies of them, some
    with a wrong label, plus random boxes. Class ``NUM_CLASSES - 1`` never occurs in the ground truth.
    """
    g = torch.Generator().manual_seed(seed)
    preds, targets = [], []
    for _ in range(num_images):
        m = int(torch.randint(0, 8, (1,), generator=g))
        corner = torch.rand(m, 2, generator=g) * 150
        gt = torch.cat([corner, corner + torch.rand(m, 2, generator=g) * 120 + 2], 1)
        labels = torch.randint(0, NUM_CLASSES - 1, (m,), generator=g)
        crowd = torch.rand(m, generator=g) < 0.1
        k = int(torch.randint(0, 3 * m + 3, (1,), generator=g))
        boxes = torch.rand(k, 2, generator=g) * 150
        boxes = torch.cat([boxes, boxes + torch.rand(k, 2, generator=g) * 80 + 2], 1)
        det_labels = torch.randint(0, NUM_CLASSES, (k,), generator=g)
        if m:
            source = torch.randint(0, m, (k,), generator=g)
            copy = torch.rand(k, generator=g) < 0.7
            jittered = gt[source] + torch.randn(k, 4, generator=g) * 8
            jittered = torch.cat([jittered[:, :2], torch.maximum(jittered[:, 2:], jittered[:, :2] + 1)], 1)
            boxes = torch.where(copy[:, None], jittered, boxes)
            right = torch.rand(k, generator=g) < 0.85
            det_labels = torch.where(copy & right, labels[source], det_labels)
        scores = torch.rand(k, generator=g)
        if tied_scores:
            scores = (scores * 4).round() / 4
        preds.append({"bbox": boxes.double(), "scores": scores, "labels": det_labels})
        targets.append({"bbox": gt.double(), "labels": labels, "iscrowd": crowd})
    return preds, targets


def coco_eval(preds: Sequence[Image], targets: Sequence[Image], **params: Any) -> COCOeval:
    """COCOeval run on the images (ids 1, 2, ... in order), boxes converted to xywh, ``params`` set on it."""
    images = [{"id": i + 1} for i in range(len(preds))]
    annotations: list[dict[str, Any]] = []
    detections: list[dict[str, Any]] = []
    for i, (pred, target) in enumerate(zip(preds, targets, strict=True)):
        crowd = target.get("iscrowd", torch.zeros(len(target["labels"]), dtype=torch.bool))
        for box, label, is_crowd in zip(
            target["bbox"].tolist(), target["labels"].tolist(), crowd.tolist(), strict=True
        ):
            w, h = box[2] - box[0], box[3] - box[1]
            annotations.append(
                {
                    "id": len(annotations) + 1,
                    "image_id": i + 1,
                    "category_id": label,
                    "bbox": [box[0], box[1], w, h],
                    "area": w * h,
                    "iscrowd": int(is_crowd),
                }
            )
        for box, score, label in zip(
            pred["bbox"].tolist(), pred["scores"].tolist(), pred["labels"].tolist(), strict=True
        ):
            xywh = [box[0], box[1], box[2] - box[0], box[3] - box[1]]
            detections.append({"image_id": i + 1, "category_id": label, "bbox": xywh, "score": score})
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO()
        gt.dataset = {
            "images": images,
            "annotations": annotations,
            "categories": [{"id": c} for c in range(NUM_CLASSES)],
        }
        gt.createIndex()
        dt = gt.loadRes(detections) if detections else COCO()
        evaluator = COCOeval(gt, dt, "bbox")
        evaluator.params.imgIds = [image["id"] for image in images]
        evaluator.params.catIds = list(range(NUM_CLASSES))
        for name, value in params.items():
            setattr(evaluator.params, name, value)
        evaluator.evaluate()
        evaluator.accumulate()
    return evaluator


def coco_stats(preds: Sequence[Image], targets: Sequence[Image]) -> np.ndarray:
    evaluator = coco_eval(preds, targets)
    with contextlib.redirect_stdout(io.StringIO()):
        evaluator.summarize()
    return np.asarray(evaluator.stats)


def _flatten(bs: Sequence[Batch]) -> tuple[list[Image], list[Image]]:
    return [p for b in bs for p in b[0]], [t for b in bs for t in b[1]]


def common_oracle(bs: Sequence[Batch]) -> dict[str, float]:
    stats = coco_stats(*_flatten(bs))
    return dict(zip(STATS_KEYS, stats.tolist(), strict=True))


def ap_ar_oracle(area: str, max_dets: int, **params: Any) -> Callable[[Sequence[Batch]], tuple[float, float]]:
    # Read COCOeval's accumulated tables directly: its summary hard-codes the IoU levels and detection limits.
    def expected(bs: Sequence[Batch]) -> tuple[float, float]:
        evaluator = coco_eval(*_flatten(bs), maxDets=[max_dets], **params)
        a = evaluator.params.areaRngLbl.index(area)
        precision = evaluator.eval["precision"][:, :, :, a, 0]
        recall = evaluator.eval["recall"][:, :, a, 0]
        ap = precision[precision > -1].mean() if (precision > -1).any() else -1.0
        ar = recall[recall > -1].mean() if (recall > -1).any() else -1.0
        return float(ap), float(ar)

    return expected


def batches_of(preds: list[Image], targets: list[Image], size: int) -> list[Batch]:
    return [(preds[i : i + size], targets[i : i + size]) for i in range(0, len(preds), size)]


@pytest.mark.parametrize("distributed", DISTRIBUTED)
@pytest.mark.parametrize("tied_scores", [False, True])
def test_common_object_detection_metrics(tied_scores: bool, distributed: bool, request: Any) -> None:
    batches = batches_of(*generate(48, seed=1 + tied_scores, tied_scores=tied_scores), size=6)
    pool = request.getfixturevalue("gloo_pool") if distributed else None
    check_metric(partial(CommonObjectDetectionMetrics, num_classes=NUM_CLASSES), common_oracle, batches, pool)


@pytest.mark.parametrize("distributed", DISTRIBUTED)
@pytest.mark.parametrize(
    ("area", "max_dets", "iou", "levels"),
    [
        ("all", 100, None, None),
        ("small", 2, [0.3, 0.6], None),
        ("large", 5, None, [0.0, 0.2, 0.5, 0.9]),
        ("medium", 3, [0.75, 0.5], [0.35, 0.1]),
    ],
)
def test_ap_ar(
    area: AreaRange, max_dets: int, iou: list[float] | None, levels: list[float] | None, distributed: bool, request: Any
) -> None:
    params: dict[str, Any] = {}
    if iou is not None:
        params["iouThrs"] = np.sort(np.asarray(iou))
    if levels is not None:
        params["recThrs"] = np.sort(np.asarray(levels))
    factory = partial(
        ObjectDetectionAvgPrecisionRecall,
        iou_thresholds=iou,
        rec_thresholds=levels,
        num_classes=NUM_CLASSES,
        max_detections_per_image_per_class=max_dets,
        area_range=area,
    )
    batches = batches_of(*generate(40, seed=7), size=5)
    pool = request.getfixturevalue("gloo_pool") if distributed else None
    check_metric(factory, ap_ar_oracle(area, max_dets, **params), batches, pool)


def test_images_without_detections_or_ground_truth() -> None:
    preds, targets = generate(12, seed=3)
    for i in (0, 4, 5):
        preds[i] = {"bbox": torch.zeros(0, 4), "scores": torch.zeros(0), "labels": torch.zeros(0, dtype=torch.int64)}
    for i in (5, 6):
        targets[i] = {"bbox": torch.zeros(0, 4), "labels": torch.zeros(0, dtype=torch.int64)}
    metric = CommonObjectDetectionMetrics(num_classes=NUM_CLASSES)
    metric.update((preds[:6], targets[:6]))
    metric.update((preds[6:], targets[6:]))
    expected = common_oracle([(preds, targets)])
    actual = metric.compute()
    assert list(actual) == ["AP@50..95", "AR-100", "AP@50", "AP@75", "AP-S", "AR-S", "AP-M", "AR-M", "AP-L", "AR-L",
                            "AR-1", "AR-10"]  # fmt: skip
    for key, value in expected.items():
        assert actual[key] == pytest.approx(value, abs=1e-12), key


def test_no_ground_truth_anywhere_gives_minus_one() -> None:
    metric = ObjectDetectionAvgPrecisionRecall(num_classes=3)
    empty = {"bbox": torch.zeros(0, 4), "labels": torch.zeros(0, dtype=torch.int64)}
    pred = {"bbox": torch.tensor([[0.0, 0, 5, 5]]), "scores": torch.tensor([0.5]), "labels": torch.tensor([1])}
    metric.update(([pred], [empty]))
    assert metric.compute() == (-1.0, -1.0)


def test_class_without_detections_scores_zero() -> None:
    # Class 0 is found exactly, class 1 has ground truth but no detection: AP = AR = mean(1, 0).
    metric = ObjectDetectionAvgPrecisionRecall(num_classes=2)
    target = {"bbox": torch.tensor([[0.0, 0, 10, 10], [20, 20, 40, 40]]), "labels": torch.tensor([0, 1])}
    pred = {"bbox": torch.tensor([[0.0, 0, 10, 10]]), "scores": torch.tensor([0.3]), "labels": torch.tensor([0])}
    metric.update(([pred], [target]))
    assert metric.compute() == (0.5, 0.5)


def test_crowd_region_absorbs_detections() -> None:
    # Three detections inside one crowd box: none counts as a false positive, the real object is found.
    crowd_box = [0.0, 0.0, 100.0, 100.0]
    target = {
        "bbox": torch.tensor([crowd_box, [200.0, 200.0, 220.0, 220.0]]),
        "labels": torch.tensor([0, 0]),
        "iscrowd": torch.tensor([1, 0], dtype=torch.uint8),
    }
    pred = {
        "bbox": torch.tensor([[10.0, 10, 30, 30], [40, 40, 60, 60], [50, 50, 90, 90], [200, 200, 220, 220]]),
        "scores": torch.tensor([0.9, 0.8, 0.7, 0.1]),
        "labels": torch.tensor([0, 0, 0, 0]),
    }
    metric = ObjectDetectionAvgPrecisionRecall(num_classes=1)
    metric.update(([pred], [target]))
    assert metric.compute() == (1.0, 1.0)
    assert coco_stats([pred], [target])[0] == pytest.approx(1.0)


def test_default_thresholds_are_cocos() -> None:
    metric = ObjectDetectionAvgPrecisionRecall()
    params = COCOeval(iouType="bbox").params
    assert metric._iou_thresholds.tolist() == params.iouThrs.tolist()
    assert metric.rec_thresholds.tolist() == params.recThrs.tolist()
    assert _coco_linspace(0.0, 1.0, 101) == np.linspace(0.0, 1.0, 101).tolist()
    assert metric._num_classes == 80


def test_box_iou() -> None:
    a = torch.tensor([[0.0, 0, 2, 2], [5, 5, 5, 9]])  # the second box is empty
    b = torch.tensor([[1.0, 1, 3, 3], [0, 0, 2, 2], [10, 10, 12, 12]])
    expected = torch.tensor([[1 / 7, 1.0, 0.0], [0.0, 0.0, 0.0]])
    torch.testing.assert_close(box_iou(a, b), expected)
    crowd = torch.tensor([True, False, False])
    torch.testing.assert_close(box_iou(a, b, crowd)[0], torch.tensor([0.25, 1.0, 0.0]))
    batched = box_iou(torch.stack([a, a]), torch.stack([b, b]))
    assert batched.shape == (2, 2, 3)


def test_tensor_list_conversion() -> None:
    y_pred = [torch.tensor([[0.0, 0, 10, 10, 0.9, 1], [5, 5, 20, 20, 0.4, 0]])]
    y = [torch.tensor([[0.0, 0, 10, 10, 1, 0], [30, 30, 40, 40, 0, 1]])]
    preds, targets = coco_tensor_list_to_dict_list((y_pred, y))
    assert preds[0]["labels"].tolist() == [1, 0] and preds[0]["scores"].tolist() == pytest.approx([0.9, 0.4])
    assert targets[0]["iscrowd"].tolist() == [False, True] and targets[0]["labels"].dtype == torch.int64
    metric = ObjectDetectionAvgPrecisionRecall(num_classes=2, output_transform=coco_tensor_list_to_dict_list)
    metric.update(metric._output_transform((y_pred, y)))
    assert metric.compute()[0] == pytest.approx(float(coco_stats(preds, targets)[0]))
    unchanged = coco_tensor_list_to_dict_list((preds, targets))
    assert unchanged[0][0]["labels"] is preds[0]["labels"]


def test_large_update_is_split_into_blocks() -> None:
    preds, targets = generate(30, seed=11)
    blocks = ObjectDetectionAvgPrecisionRecall(num_classes=NUM_CLASSES)
    import ignite.metrics.vision.object_detection_average_precision_recall as module

    saved = module._BLOCK_ELEMENTS
    module._BLOCK_ELEMENTS = 1  # one image per block
    try:
        blocks.update((preds, targets))
    finally:
        module._BLOCK_ELEMENTS = saved
    whole = ObjectDetectionAvgPrecisionRecall(num_classes=NUM_CLASSES)
    whole.update((preds, targets))
    assert blocks.compute() == whole.compute()
    torch.testing.assert_close(torch.cat(blocks._detections), torch.cat(whole._detections))


def test_object_detection_input_errors() -> None:
    with pytest.raises(ValueError, match="area_range should be one of"):
        ObjectDetectionAvgPrecisionRecall(area_range="tiny")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="num_classes should be a positive int, got 0"):
        ObjectDetectionAvgPrecisionRecall(num_classes=0)
    with pytest.raises(TypeError, match="max_detections_per_image_per_class should be a positive int"):
        ObjectDetectionAvgPrecisionRecall(max_detections_per_image_per_class=1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"iou_thresholds should hold values in \[0, 1\]"):
        ObjectDetectionAvgPrecisionRecall(iou_thresholds=[0.5, 2.0])
    metric = ObjectDetectionAvgPrecisionRecall(num_classes=3)
    pred = {"bbox": torch.tensor([[0.0, 0, 5, 5]]), "scores": torch.tensor([0.5]), "labels": torch.tensor([1])}
    target = {"bbox": torch.tensor([[0.0, 0, 5, 5]]), "labels": torch.tensor([2])}
    with pytest.raises(NotComputableError):
        metric.compute()
    with pytest.raises(TypeError, match="output should be a pair"):
        metric.update([pred])
    with pytest.raises(ValueError, match="as many images, got 1 and 2"):
        metric.update(([pred], [target, target]))
    with pytest.raises(ValueError, match="at least one image"):
        metric.update(([], []))
    with pytest.raises(ValueError, match=r"y_pred\[0\] should be a dict with keys \['bbox', 'scores', 'labels'\]"):
        metric.update(([{"bbox": pred["bbox"], "confidence": pred["scores"]}], [target]))
    with pytest.raises(ValueError, match=r"y\[0\]\['bbox'\] should have shape \(M, 4\), got \(1, 5\)"):
        metric.update(([pred], [{"bbox": torch.zeros(1, 5), "labels": torch.tensor([0])}]))
    with pytest.raises(ValueError, match="as many boxes, scores and labels, got 1, 2 and 1"):
        metric.update(([{**pred, "scores": torch.tensor([0.5, 0.2])}], [target]))
    with pytest.raises(ValueError, match=r"y\['labels'\] should hold class indices in \[0, 2\]"):
        metric.update(([pred], [{**target, "labels": torch.tensor([3])}]))
    with pytest.raises(ValueError, match=r"y_pred\['labels'\] should hold class indices"):
        metric.update(([{**pred, "labels": torch.tensor([-1])}], [target]))
    with pytest.raises(ValueError, match="should not contain NaN"):
        metric.update(([{**pred, "scores": torch.tensor([float("nan")])}], [target]))
    with pytest.raises(TypeError, match=r"y\[0\]\['labels'\] should be a torch.Tensor"):
        metric.update(([pred], [{**target, "labels": [2]}]))
    with pytest.raises(NotComputableError):
        metric.compute()  # nothing was accumulated by the rejected updates


def test_vision_exports_and_no_torchvision() -> None:
    assert set(vision.__all__) == {"CommonObjectDetectionMetrics", "ObjectDetectionAvgPrecisionRecall"}
    code = "import sys, ignite.metrics.vision; assert 'torchvision' not in sys.modules, 'torchvision imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_attach_stores_each_value() -> None:
    engine_module = pytest.importorskip("ignite.engine")
    preds, targets = generate(8, seed=5)
    data = batches_of(preds, targets, size=4)
    engine = engine_module.Engine(lambda engine, batch: batch)
    CommonObjectDetectionMetrics(num_classes=NUM_CLASSES).attach(engine, "coco")
    state = engine.run(data, max_epochs=1)
    expected = common_oracle(data)
    assert state.metrics["coco"] == pytest.approx(expected)
    assert state.metrics["AP@50"] == pytest.approx(expected["AP@50"])
