"""`ignite.metrics.vision`: COCO-style object detection metrics (box IoU written here, no torchvision needed)."""

from __future__ import annotations

from ignite.metrics.vision.object_detection_average_precision_recall import (
    CommonObjectDetectionMetrics,
    ObjectDetectionAvgPrecisionRecall,
)

__all__ = ["CommonObjectDetectionMetrics", "ObjectDetectionAvgPrecisionRecall"]
