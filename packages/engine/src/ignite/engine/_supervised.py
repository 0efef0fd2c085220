"""Factories for the usual supervised training and evaluation engines.

Each ``*_step`` function returns the process function of an :class:`~ignite.engine.engine.Engine`; the two
``create_supervised_*`` factories pick the right step from ``device``/``amp_mode`` and wrap it in an engine.
"""

from __future__ import annotations

import contextlib
import importlib.util
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import torch

from ignite.engine.deterministic import DeterministicEngine
from ignite.engine.engine import Engine
from ignite.utils import convert_tensor

__all__ = [
    "supervised_training_step",
    "supervised_training_step_amp",
    "supervised_training_step_apex",
    "supervised_training_step_tpu",
    "supervised_evaluation_step",
    "supervised_evaluation_step_amp",
    "create_supervised_trainer",
    "create_supervised_evaluator",
]

ProcessFunction = Callable[[Engine, Any], Any]
DeviceLike = str | torch.device | None

_AMP_MODES = (None, "amp", "apex")


def _prepare_batch(batch: Sequence[Any], device: DeviceLike = None, non_blocking: bool = False) -> tuple[Any, Any]:
    """Split ``batch`` into ``(x, y)`` and move both to ``device``.

    >>> import torch
    >>> x, y = _prepare_batch((torch.zeros(2, 3), torch.ones(2)), device="cpu")
    >>> x.shape, y.tolist()
    (torch.Size([2, 3]), [1.0, 1.0])
    """
    try:
        x, y = batch
    except (TypeError, ValueError) as exc:
        raise ValueError(
            "`batch` should be a pair (x, y) when using the default prepare_batch, "
            f"got {type(batch).__name__} that does not unpack into two items ({exc}). "
            "Pass a custom `prepare_batch` for other batch layouts."
        ) from exc
    return (
        convert_tensor(x, device=device, non_blocking=non_blocking),
        convert_tensor(y, device=device, non_blocking=non_blocking),
    )


def _identity(output: Any) -> Any:
    return output


def _loss_item(x: Any, y: Any, y_pred: Any, loss: torch.Tensor) -> Any:
    return loss.item()


def _pred_and_target(x: Any, y: Any, y_pred: Any) -> Any:
    return (y_pred, y)


def _call_model(model: torch.nn.Module, x: Any) -> Any:
    return model(x)


# ----------------------------------------------------------------------------------------------------------- checks


def _check_callable(name: str, value: object) -> None:
    if not callable(value):
        raise TypeError(f"`{name}` should be callable, got {type(value).__name__}: {value!r}")


def _check_bool(name: str, value: object) -> None:
    if not isinstance(value, bool):
        raise TypeError(f"`{name}` should be a bool, got {type(value).__name__}: {value!r}")


def _check_device(device: object) -> torch.device | None:
    if device is None:
        return None
    if isinstance(device, torch.device):
        return device
    if not isinstance(device, str):
        raise TypeError(f"`device` should be None, a str or a torch.device, got {type(device).__name__}: {device!r}")
    try:
        return torch.device(device)
    except RuntimeError as exc:
        raise ValueError(f"`device` should name a torch device such as 'cpu' or 'cuda:0', got {device!r}") from exc


def _check_model(model: object) -> None:
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"`model` should be a torch.nn.Module, got {type(model).__name__}")


def _check_optimizer(optimizer: object) -> None:
    # Duck-typed so that optimizer wrappers which are not Optimizer subclasses still work.
    if not (callable(getattr(optimizer, "zero_grad", None)) and callable(getattr(optimizer, "step", None))):
        raise TypeError(
            "`optimizer` should be a torch.optim.Optimizer (an object with zero_grad() and step()), "
            f"got {type(optimizer).__name__}"
        )


def _check_accumulation(steps: object) -> int:
    if isinstance(steps, bool) or not isinstance(steps, int):
        raise TypeError(f"`gradient_accumulation_steps` should be an int, got {type(steps).__name__}: {steps!r}")
    if steps <= 0:
        raise ValueError(
            "Gradient_accumulation_steps must be strictly positive (1 means no accumulation), "
            f"got gradient_accumulation_steps={steps}"
        )
    return steps


def _check_clip(clip_grad_norm: object) -> float | None:
    if clip_grad_norm is None:
        return None
    if isinstance(clip_grad_norm, bool) or not isinstance(clip_grad_norm, int | float):
        raise TypeError(
            f"`clip_grad_norm` should be None or a positive number, got {type(clip_grad_norm).__name__}: "
            f"{clip_grad_norm!r}"
        )
    if math.isnan(clip_grad_norm) or clip_grad_norm <= 0:
        raise ValueError(f"`clip_grad_norm` should be None or a positive number, got {clip_grad_norm!r}")
    return float(clip_grad_norm)


def _check_step_args(
    model: object,
    optimizer: object,
    loss_fn: object,
    device: object,
    non_blocking: object,
    prepare_batch: object,
    model_transform: object,
    output_transform: object,
    gradient_accumulation_steps: object,
    model_fn: object,
    clip_grad_norm: object,
) -> tuple[int, float | None]:
    _check_model(model)
    _check_optimizer(optimizer)
    _check_callable("loss_fn", loss_fn)
    _check_device(device)
    _check_bool("non_blocking", non_blocking)
    _check_callable("prepare_batch", prepare_batch)
    _check_callable("model_transform", model_transform)
    _check_callable("output_transform", output_transform)
    _check_callable("model_fn", model_fn)
    return _check_accumulation(gradient_accumulation_steps), _check_clip(clip_grad_norm)


def _has_xla() -> bool:
    return importlib.util.find_spec("torch_xla") is not None


def _autocast_device_type(device: DeviceLike) -> str:
    if device is None:
        return "cuda" if torch.cuda.is_available() else "cpu"
    return torch.device(device).type


def _backward(loss: torch.Tensor) -> None:
    # Tensor.backward is unannotated in some torch releases.
    loss.backward()  # type: ignore[no-untyped-call,unused-ignore]


def _optimizer_params(optimizer: torch.optim.Optimizer) -> list[torch.Tensor]:
    # Clip what the optimizer updates: parameters outside it (frozen layers) must not shrink the others' step.
    return [p for group in optimizer.param_groups for p in group["params"]]


# ------------------------------------------------------------------------------------------------- training steps


def _training_update(
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    loss_fn: Callable[..., torch.Tensor],
    device: DeviceLike,
    non_blocking: bool,
    prepare_batch: Callable[..., Any],
    model_transform: Callable[[Any], Any],
    output_transform: Callable[[Any, Any, Any, torch.Tensor], Any],
    steps: int,
    model_fn: Callable[[torch.nn.Module, Any], Any],
    forward_context: Callable[[], contextlib.AbstractContextManager[Any]],
    backward: Callable[[torch.Tensor], None],
    apply_step: Callable[[], None],
) -> ProcessFunction:
    """The loop body shared by every training step; only the forward context, backward and step differ."""

    def update(engine: Engine, batch: Any) -> Any:
        iteration = engine.state.iteration
        # Gradients are cleared at the start of each accumulation window and applied at its end.
        if (iteration - 1) % steps == 0:
            optimizer.zero_grad()
        model.train()
        x, y = prepare_batch(batch, device=device, non_blocking=non_blocking)
        with forward_context():
            output = model_fn(model, x)
            y_pred = model_transform(output)
            loss = loss_fn(y_pred, y)
            if steps > 1:
                loss = loss / steps
        backward(loss)
        if iteration % steps == 0:
            apply_step()
        # Report the undivided loss so that logged values do not depend on the accumulation setting.
        return output_transform(x, y, y_pred, loss * steps)

    return update


def supervised_training_step(
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    loss_fn: Callable[..., torch.Tensor] | torch.nn.Module,
    device: DeviceLike = None,
    non_blocking: bool = False,
    prepare_batch: Callable[..., Any] = _prepare_batch,
    model_transform: Callable[[Any], Any] = _identity,
    output_transform: Callable[[Any, Any, Any, torch.Tensor], Any] = _loss_item,
    gradient_accumulation_steps: int = 1,
    model_fn: Callable[[torch.nn.Module, Any], Any] = _call_model,
    clip_grad_norm: float | None = None,
) -> ProcessFunction:
    """Process function for one supervised training iteration.

    The loss is divided by ``gradient_accumulation_steps``; gradients are zeroed on the first iteration of each window
    and ``optimizer.step()`` runs on its last one, after clipping the total gradient norm of the optimizer's
    parameters to ``clip_grad_norm`` when that is given. ``output_transform`` receives the undivided loss.
    """
    steps, max_norm = _check_step_args(
        model, optimizer, loss_fn, device, non_blocking, prepare_batch, model_transform, output_transform,
        gradient_accumulation_steps, model_fn, clip_grad_norm,
    )  # fmt: skip

    def apply_step() -> None:
        if max_norm is not None:
            torch.nn.utils.clip_grad_norm_(_optimizer_params(optimizer), max_norm)
        optimizer.step()

    return _training_update(
        model, optimizer, loss_fn, device, non_blocking, prepare_batch, model_transform, output_transform,
        steps, model_fn, contextlib.nullcontext, _backward, apply_step,
    )  # fmt: skip


def supervised_training_step_amp(
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    loss_fn: Callable[..., torch.Tensor] | torch.nn.Module,
    device: DeviceLike = None,
    non_blocking: bool = False,
    prepare_batch: Callable[..., Any] = _prepare_batch,
    model_transform: Callable[[Any], Any] = _identity,
    output_transform: Callable[[Any, Any, Any, torch.Tensor], Any] = _loss_item,
    scaler: torch.amp.GradScaler | None = None,
    gradient_accumulation_steps: int = 1,
    model_fn: Callable[[torch.nn.Module, Any], Any] = _call_model,
    clip_grad_norm: float | None = None,
) -> ProcessFunction:
    """Like :func:`supervised_training_step`, with the forward pass and loss under :class:`torch.autocast`.

    The autocast device type comes from ``device`` (``"cuda"`` when it is None and CUDA is available, else
    ``"cpu"``). With a ``scaler`` the loss is scaled before backward and the gradients are unscaled before clipping.
    """
    steps, max_norm = _check_step_args(
        model, optimizer, loss_fn, device, non_blocking, prepare_batch, model_transform, output_transform,
        gradient_accumulation_steps, model_fn, clip_grad_norm,
    )  # fmt: skip
    if scaler is not None and not isinstance(scaler, torch.amp.GradScaler):
        raise TypeError(f"`scaler` should be None or a torch.amp.GradScaler, got {type(scaler).__name__}")
    device_type = _autocast_device_type(device)

    def forward_context() -> contextlib.AbstractContextManager[Any]:
        return torch.autocast(device_type=device_type)

    def backward(loss: torch.Tensor) -> None:
        _backward(loss if scaler is None else scaler.scale(loss))

    def apply_step() -> None:
        if scaler is None:
            if max_norm is not None:
                torch.nn.utils.clip_grad_norm_(_optimizer_params(optimizer), max_norm)
            optimizer.step()
            return
        if max_norm is not None:
            # Clipping must see true gradient magnitudes, not the scaled ones.
            scaler.unscale_(optimizer)
            torch.nn.utils.clip_grad_norm_(_optimizer_params(optimizer), max_norm)
        scaler.step(optimizer)
        scaler.update()

    return _training_update(
        model, optimizer, loss_fn, device, non_blocking, prepare_batch, model_transform, output_transform,
        steps, model_fn, forward_context, backward, apply_step,
    )  # fmt: skip


_APEX_REFUSAL = (
    "amp_mode='apex' is not supported by this library: NVIDIA apex is unmaintained. "
    "Use amp_mode='amp' (torch.autocast; add scaler=True for gradient scaling) instead."
)


def supervised_training_step_apex(
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    loss_fn: Callable[..., torch.Tensor] | torch.nn.Module,
    device: DeviceLike = None,
    non_blocking: bool = False,
    prepare_batch: Callable[..., Any] = _prepare_batch,
    model_transform: Callable[[Any], Any] = _identity,
    output_transform: Callable[[Any, Any, Any, torch.Tensor], Any] = _loss_item,
    gradient_accumulation_steps: int = 1,
    model_fn: Callable[[torch.nn.Module, Any], Any] = _call_model,
) -> ProcessFunction:
    """Kept for API compatibility only: always raises :class:`ImportError`, use :func:`supervised_training_step_amp`."""
    raise ImportError(_APEX_REFUSAL)


def supervised_training_step_tpu(
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    loss_fn: Callable[..., torch.Tensor] | torch.nn.Module,
    device: DeviceLike = None,
    non_blocking: bool = False,
    prepare_batch: Callable[..., Any] = _prepare_batch,
    model_transform: Callable[[Any], Any] = _identity,
    output_transform: Callable[[Any, Any, Any, torch.Tensor], Any] = _loss_item,
    gradient_accumulation_steps: int = 1,
    model_fn: Callable[[torch.nn.Module, Any], Any] = _call_model,
    clip_grad_norm: float | None = None,
) -> ProcessFunction:
    """Like :func:`supervised_training_step`, stepping through ``torch_xla``'s ``xm.optimizer_step``.

    Raises :class:`ModuleNotFoundError` when ``torch_xla`` is not installed.
    """
    try:
        import torch_xla.core.xla_model as xm  # type: ignore[import-not-found,unused-ignore]
    except ModuleNotFoundError as exc:
        raise ModuleNotFoundError(
            "supervised_training_step_tpu needs torch_xla, which cannot be imported: install PyTorch XLA "
            '(pip install "ignite-distributed[xla]")'
        ) from exc
    steps, max_norm = _check_step_args(
        model, optimizer, loss_fn, device, non_blocking, prepare_batch, model_transform, output_transform,
        gradient_accumulation_steps, model_fn, clip_grad_norm,
    )  # fmt: skip

    def apply_step() -> None:
        if max_norm is None:
            xm.optimizer_step(optimizer, barrier=True)
            return
        # optimizer_step would reduce across replicas after our clip; reduce first so the clip sees the global norm.
        xm.reduce_gradients(optimizer)
        torch.nn.utils.clip_grad_norm_(_optimizer_params(optimizer), max_norm)
        optimizer.step()
        xm.mark_step()

    return _training_update(
        model, optimizer, loss_fn, device, non_blocking, prepare_batch, model_transform, output_transform,
        steps, model_fn, contextlib.nullcontext, _backward, apply_step,
    )  # fmt: skip


# ----------------------------------------------------------------------------------------------- evaluation steps


def _evaluation_step(
    model: torch.nn.Module,
    device: DeviceLike,
    non_blocking: bool,
    prepare_batch: Callable[..., Any],
    model_transform: Callable[[Any], Any],
    output_transform: Callable[[Any, Any, Any], Any],
    model_fn: Callable[[torch.nn.Module, Any], Any],
    autocast_device_type: str | None,
) -> ProcessFunction:
    _check_model(model)
    _check_device(device)
    _check_bool("non_blocking", non_blocking)
    _check_callable("prepare_batch", prepare_batch)
    _check_callable("model_transform", model_transform)
    _check_callable("output_transform", output_transform)
    _check_callable("model_fn", model_fn)

    @contextlib.contextmanager
    def forward_context() -> Iterator[None]:
        if autocast_device_type is None:
            yield
        else:
            with torch.autocast(device_type=autocast_device_type):
                yield

    def evaluate_step(engine: Engine, batch: Any) -> Any:
        model.eval()
        with torch.no_grad():
            x, y = prepare_batch(batch, device=device, non_blocking=non_blocking)
            with forward_context():
                output = model_fn(model, x)
                y_pred = model_transform(output)
            return output_transform(x, y, y_pred)

    return evaluate_step


def supervised_evaluation_step(
    model: torch.nn.Module,
    device: DeviceLike = None,
    non_blocking: bool = False,
    prepare_batch: Callable[..., Any] = _prepare_batch,
    model_transform: Callable[[Any], Any] = _identity,
    output_transform: Callable[[Any, Any, Any], Any] = _pred_and_target,
    model_fn: Callable[[torch.nn.Module, Any], Any] = _call_model,
) -> ProcessFunction:
    """Process function for one evaluation iteration: ``model.eval()`` and a forward pass under ``torch.no_grad()``.

    The default ``output_transform`` returns ``(y_pred, y)``, the form metrics expect.
    """
    return _evaluation_step(
        model, device, non_blocking, prepare_batch, model_transform, output_transform, model_fn, None
    )


def supervised_evaluation_step_amp(
    model: torch.nn.Module,
    device: DeviceLike = None,
    non_blocking: bool = False,
    prepare_batch: Callable[..., Any] = _prepare_batch,
    model_transform: Callable[[Any], Any] = _identity,
    output_transform: Callable[[Any, Any, Any], Any] = _pred_and_target,
    model_fn: Callable[[torch.nn.Module, Any], Any] = _call_model,
) -> ProcessFunction:
    """Like :func:`supervised_evaluation_step`, with the forward pass under :class:`torch.autocast`."""
    _check_device(device)
    return _evaluation_step(
        model, device, non_blocking, prepare_batch, model_transform, output_transform, model_fn,
        _autocast_device_type(device),
    )  # fmt: skip


# ------------------------------------------------------------------------------------------------------ factories


def _resolve_mode(device: object, amp_mode: object, scaler: object) -> tuple[str | None, torch.amp.GradScaler | None]:
    """Check the device/amp_mode/scaler combination; return the step kind and the GradScaler to use, if any."""
    torch_device = _check_device(device)
    if amp_mode not in _AMP_MODES:
        raise ValueError(f"`amp_mode` should be None, 'amp' or 'apex', got {amp_mode!r}")
    if scaler is None:  # not in Ignite's signature, but falsy there, so accepted as "no scaler"
        scaler = False
    if not isinstance(scaler, bool | torch.amp.GradScaler):
        raise TypeError(f"`scaler` should be a bool or a torch.amp.GradScaler, got {type(scaler).__name__}")
    on_tpu = torch_device is not None and torch_device.type == "xla"
    if on_tpu and not _has_xla():
        raise RuntimeError(f"device={device!r} is a TPU (xla) device: to run on TPU, please install PyTorch XLA")
    if amp_mode is not None and on_tpu:
        raise ValueError(
            f"amp_mode cannot be used with xla device, got amp_mode={amp_mode!r} and device={device!r}. "
            "Consider using amp_mode=None or device='cuda'."
        )
    if amp_mode == "apex":
        raise ImportError(_APEX_REFUSAL)
    if scaler is not False and amp_mode is None:
        shown = "True" if scaler is True else "a GradScaler"
        raise ValueError(f"scaler argument is {shown}, but amp_mode is None. Consider using amp_mode='amp'.")
    if on_tpu:
        return "tpu", None
    if amp_mode == "amp":
        if scaler is True:
            return "amp", torch.amp.GradScaler(_autocast_device_type(torch_device))
        return "amp", scaler if isinstance(scaler, torch.amp.GradScaler) else None
    return None, None


def create_supervised_trainer(
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    loss_fn: Callable[..., torch.Tensor] | torch.nn.Module,
    device: DeviceLike = None,
    non_blocking: bool = False,
    prepare_batch: Callable[..., Any] = _prepare_batch,
    model_transform: Callable[[Any], Any] = _identity,
    output_transform: Callable[[Any, Any, Any, torch.Tensor], Any] = _loss_item,
    deterministic: bool = False,
    amp_mode: str | None = None,
    scaler: bool | torch.amp.GradScaler = False,
    gradient_accumulation_steps: int = 1,
    model_fn: Callable[[torch.nn.Module, Any], Any] = _call_model,
    clip_grad_norm: float | None = None,
) -> Engine:
    """Build a trainer engine for a supervised model.

    ``device`` picks where batches go (``"xla"`` devices use :func:`supervised_training_step_tpu`); ``amp_mode="amp"``
    uses :func:`supervised_training_step_amp`, with a new ``torch.amp.GradScaler`` when ``scaler=True`` or the given
    one. That GradScaler is also stored on ``engine.state.scaler`` so it can be checkpointed. ``amp_mode="apex"`` is
    refused with :class:`ImportError`. ``deterministic=True`` returns a
    :class:`~ignite.engine.deterministic.DeterministicEngine`. The engine's output is ``output_transform(x, y, y_pred,
    loss)``, by default ``loss.item()``.

    >>> import torch
    >>> from ignite.engine import create_supervised_trainer
    >>> model = torch.nn.Linear(1, 1)
    >>> optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    >>> trainer = create_supervised_trainer(model, optimizer, torch.nn.functional.mse_loss)
    >>> data = [(torch.ones(4, 1), torch.full((4, 1), 3.0))] * 3
    >>> state = trainer.run(data, max_epochs=2)
    >>> state.iteration, isinstance(state.output, float)
    (6, True)
    """
    mode, grad_scaler = _resolve_mode(device, amp_mode, scaler)
    _check_bool("deterministic", deterministic)
    args = (model, optimizer, loss_fn, device, non_blocking, prepare_batch, model_transform, output_transform)
    update: ProcessFunction
    if mode == "amp":
        update = supervised_training_step_amp(*args, grad_scaler, gradient_accumulation_steps, model_fn, clip_grad_norm)
    elif mode == "tpu":
        update = supervised_training_step_tpu(*args, gradient_accumulation_steps, model_fn, clip_grad_norm)
    else:
        update = supervised_training_step(*args, gradient_accumulation_steps, model_fn, clip_grad_norm)

    trainer = DeterministicEngine(update) if deterministic else Engine(update)
    if grad_scaler is not None:
        trainer.state.scaler = grad_scaler
    return trainer


def create_supervised_evaluator(
    model: torch.nn.Module,
    metrics: Mapping[str, Any] | None = None,
    device: DeviceLike = None,
    non_blocking: bool = False,
    prepare_batch: Callable[..., Any] = _prepare_batch,
    model_transform: Callable[[Any], Any] = _identity,
    output_transform: Callable[[Any, Any, Any], Any] = _pred_and_target,
    amp_mode: str | None = None,
    model_fn: Callable[[torch.nn.Module, Any], Any] = _call_model,
) -> Engine:
    """Build an evaluator engine and attach ``metrics`` to it.

    ``metrics`` maps a name to any object with an ``attach(engine, name)`` method (an ``ignite.metrics.Metric``);
    each is attached under its name, so results land in ``engine.state.metrics[name]``.

    >>> import torch
    >>> from ignite.engine import create_supervised_evaluator
    >>> evaluator = create_supervised_evaluator(torch.nn.Linear(2, 1))
    >>> y_pred, y = evaluator.run([(torch.zeros(3, 2), torch.ones(3, 1))]).output
    >>> y_pred.shape, y.shape
    (torch.Size([3, 1]), torch.Size([3, 1]))
    """
    mode, _ = _resolve_mode(device, amp_mode, False)
    if metrics is None:
        metrics = {}
    if not isinstance(metrics, Mapping):
        raise TypeError(f"`metrics` should be None or a mapping of name to metric, got {type(metrics).__name__}")
    for name, metric in metrics.items():
        if not isinstance(name, str):
            raise TypeError(f"`metrics` keys should be str names, got {type(name).__name__}: {name!r}")
        if not callable(getattr(metric, "attach", None)):
            raise TypeError(
                f"`metrics[{name!r}]` should be a metric with an attach(engine, name) method, "
                f"got {type(metric).__name__}"
            )

    step = supervised_evaluation_step_amp if mode == "amp" else supervised_evaluation_step
    evaluator = Engine(step(model, device, non_blocking, prepare_batch, model_transform, output_transform, model_fn))
    for name, metric in metrics.items():
        metric.attach(evaluator, name)
    return evaluator
