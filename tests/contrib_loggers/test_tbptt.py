"""create_supervised_tbptt_trainer with tiny real RNNs, checked against a hand-written truncated-BPTT loop."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import torch

from ignite.contrib.engines import tbptt
from ignite.contrib.engines.tbptt import Tbptt_Events, create_supervised_tbptt_trainer
from ignite.engine import Engine, EventEnum, Events


class TinyRNN(torch.nn.Module):
    """Returns ``(y_pred, hidden)`` and records the hidden state and the input of every call."""

    def __init__(self, cell: str = "rnn", batch_first: bool = False) -> None:
        super().__init__()
        rnn_class = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM}[cell]
        self.rnn = rnn_class(input_size=2, hidden_size=3, batch_first=batch_first)
        self.head = torch.nn.Linear(3, 1)
        self.hidden_in: list[Any] = []
        self.hidden_out: list[Any] = []
        self.input_shapes: list[tuple[int, ...]] = []

    def forward(self, x: torch.Tensor, hidden: Any = None) -> tuple[torch.Tensor, Any]:
        self.hidden_in.append(hidden)
        self.input_shapes.append(tuple(x.shape))
        out, new_hidden = self.rnn(x, hidden)
        self.hidden_out.append(new_hidden)
        return self.head(out), new_hidden


def _sequences(n: int, time_steps: int = 10, batch: int = 3) -> list[tuple[torch.Tensor, torch.Tensor]]:
    generator = torch.Generator().manual_seed(1)
    return [
        (torch.randn(time_steps, batch, 2, generator=generator), torch.randn(time_steps, batch, 1, generator=generator))
        for _ in range(n)
    ]


def _count_steps(optimizer: torch.optim.Optimizer, record: list[Any], trainer: Engine) -> None:
    optimizer.register_step_post_hook(lambda *args: record.append(("step", trainer.state.iteration)))


def test_module_all_snapshot_and_events() -> None:
    assert sorted(tbptt.__all__) == ["Tbptt_Events", "create_supervised_tbptt_trainer"]
    assert issubclass(Tbptt_Events, EventEnum)
    assert [(event.name, event.value) for event in Tbptt_Events] == [
        ("TIME_ITERATION_STARTED", "time_iteration_started"),
        ("TIME_ITERATION_COMPLETED", "time_iteration_completed"),
    ]


def test_event_and_step_sequence() -> None:
    torch.manual_seed(0)
    model = TinyRNN()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    trainer = create_supervised_tbptt_trainer(model, optimizer, torch.nn.MSELoss(), tbtt_step=4)
    record: list[Any] = []
    _count_steps(optimizer, record, trainer)
    for event in (Events.ITERATION_STARTED, Events.ITERATION_COMPLETED, *Tbptt_Events):
        trainer.add_event_handler(event, lambda engine, name=event.name: record.append((name, engine.state.iteration)))
    trainer.run(_sequences(2), max_epochs=1)

    # 10 time steps in chunks of 4: 4, 4 and 2, one optimizer step each, inside the chunk events.
    chunk = ["TIME_ITERATION_STARTED", "step", "TIME_ITERATION_COMPLETED"]
    expected: list[tuple[str, int]] = []
    for iteration in (1, 2):
        names = ["ITERATION_STARTED", *chunk * 3, "ITERATION_COMPLETED"]
        expected += [(name, iteration) for name in names]
    assert record == expected
    assert model.input_shapes == [(4, 3, 2), (4, 3, 2), (2, 3, 2)] * 2


def test_counts_over_epochs_and_filtered_chunk_events() -> None:
    torch.manual_seed(0)
    model = TinyRNN()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    trainer = create_supervised_tbptt_trainer(model, optimizer, torch.nn.MSELoss(), tbtt_step=3)
    steps: list[Any] = []
    _count_steps(optimizer, steps, trainer)
    every_second: list[int] = []
    trainer.add_event_handler(
        Tbptt_Events.TIME_ITERATION_COMPLETED(every=2), lambda engine: every_second.append(engine.state.iteration)
    )
    trainer.run(_sequences(2, time_steps=7), max_epochs=2)
    # 7 steps in chunks of 3: 3 chunks per batch, 2 batches per epoch, 2 epochs.
    assert len(steps) == 12
    assert every_second == [1, 2, 2, 3, 4, 4]


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_hidden_state_is_carried_detached(cell: str) -> None:
    torch.manual_seed(0)
    model = TinyRNN(cell)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    trainer = create_supervised_tbptt_trainer(model, optimizer, torch.nn.MSELoss(), tbtt_step=4)
    trainer.run(_sequences(1), max_epochs=1)

    def tensors(hidden: Any) -> list[torch.Tensor]:
        return list(hidden) if isinstance(hidden, tuple) else [hidden]

    assert model.hidden_in[0] is None  # a new sequence starts from the model's default state
    for previous_out, given in zip(model.hidden_out[:-1], model.hidden_in[1:], strict=True):
        for out_tensor, in_tensor in zip(tensors(previous_out), tensors(given), strict=True):
            assert out_tensor.grad_fn is not None
            # The same values, cut from the graph of the previous chunk.
            assert in_tensor.grad_fn is None and not in_tensor.requires_grad
            assert torch.equal(in_tensor, out_tensor)


def test_gradient_stops_at_chunk_boundaries() -> None:
    torch.manual_seed(0)
    model = TinyRNN()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.0)  # no update: every chunk sees the same weights
    grads: list[torch.Tensor] = []
    optimizer.register_step_pre_hook(lambda *args: grads.append(model.rnn.weight_hh_l0.grad.clone()))
    trainer = create_supervised_tbptt_trainer(model, optimizer, torch.nn.MSELoss(), tbtt_step=5)
    ((x, y),) = _sequences(1)
    trainer.run([(x, y)], max_epochs=1)

    # The gradient of the second chunk's loss with the incoming hidden state held constant...
    reference = TinyRNN()
    reference.load_state_dict(model.state_dict())
    _, hidden = reference(x[:5])
    y_pred, _ = reference(x[5:], hidden.detach())
    torch.nn.functional.mse_loss(y_pred, y[5:]).backward()  # type: ignore[no-untyped-call]
    assert reference.rnn.weight_hh_l0.grad is not None
    torch.testing.assert_close(grads[1], reference.rnn.weight_hh_l0.grad)
    # ...differs from the full-graph gradient: the check above would notice backpropagation into chunk one.
    reference.zero_grad()
    _, hidden = reference(x[:5])
    y_pred, _ = reference(x[5:], hidden)
    torch.nn.functional.mse_loss(y_pred, y[5:]).backward()  # type: ignore[no-untyped-call]
    assert not torch.allclose(grads[1], reference.rnn.weight_hh_l0.grad)


def test_output_and_weights_match_a_hand_written_loop() -> None:
    torch.manual_seed(0)
    model = TinyRNN()
    manual = copy.deepcopy(model)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    trainer = create_supervised_tbptt_trainer(model, optimizer, torch.nn.MSELoss(), tbtt_step=4)
    chunk_outputs: list[float] = []
    trainer.add_event_handler(
        Tbptt_Events.TIME_ITERATION_COMPLETED, lambda engine: chunk_outputs.append(engine.state.output)
    )
    outputs: list[float] = []
    trainer.add_event_handler(Events.ITERATION_COMPLETED, lambda engine: outputs.append(engine.state.output))
    data = _sequences(3)
    trainer.run(data, max_epochs=2)

    manual_optimizer = torch.optim.SGD(manual.parameters(), lr=0.05, momentum=0.9)
    expected_chunks: list[float] = []
    expected_outputs: list[float] = []
    for _ in range(2):
        for x, y in data:
            hidden = None
            losses = []
            for x_t, y_t in zip(torch.split(x, 4), torch.split(y, 4), strict=True):
                manual_optimizer.zero_grad()
                y_pred, hidden = manual(x_t, None if hidden is None else hidden.detach())
                loss = torch.nn.functional.mse_loss(y_pred, y_t)
                loss.backward()  # type: ignore[no-untyped-call]
                manual_optimizer.step()
                losses.append(loss.item())
            expected_chunks += losses
            expected_outputs.append(sum(losses) / len(losses))

    assert chunk_outputs == pytest.approx(expected_chunks, rel=1e-6, abs=1e-7)
    assert outputs == pytest.approx(expected_outputs, rel=1e-6, abs=1e-7)
    assert all(isinstance(output, float) for output in outputs)
    for parameter, expected in zip(model.parameters(), manual.parameters(), strict=True):
        torch.testing.assert_close(parameter, expected)


def test_time_dimension_one_and_custom_prepare_batch() -> None:
    torch.manual_seed(0)
    model = TinyRNN(batch_first=True)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    calls: list[tuple[tuple[int, ...], tuple[int, ...], Any, bool]] = []

    def prepare_batch(batch: Any, device: Any = None, non_blocking: bool = False) -> tuple[Any, Any]:
        x, y = batch
        calls.append((tuple(x.shape), tuple(y.shape), device, non_blocking))
        return x.to(device), y.to(device)

    trainer = create_supervised_tbptt_trainer(
        model,
        optimizer,
        torch.nn.MSELoss(),
        tbtt_step=2,
        dim=1,
        device="cpu",
        non_blocking=True,
        prepare_batch=prepare_batch,
    )
    x, y = torch.randn(3, 5, 2), torch.randn(3, 5, 1)  # (batch, time, features)
    state = trainer.run([(x, y)], max_epochs=1)
    assert calls == [
        ((3, 2, 2), (3, 2, 1), "cpu", True),
        ((3, 2, 2), (3, 2, 1), "cpu", True),
        ((3, 1, 2), (3, 1, 1), "cpu", True),
    ]
    assert isinstance(state.output, float)


def _model_and_optimizer() -> tuple[torch.nn.Module, torch.optim.Optimizer]:
    model = TinyRNN()
    return model, torch.optim.SGD(model.parameters(), lr=0.01)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"model": lambda x: x}, TypeError, "`model` should be a torch.nn.Module, got function"),
        ({"optimizer": "sgd"}, TypeError, r"`optimizer` should be a torch.optim.Optimizer .* got str"),
        ({"loss_fn": "mse"}, TypeError, "`loss_fn` should be callable, got str"),
        ({"tbtt_step": 0}, ValueError, "`tbtt_step` should be a positive number of time steps per chunk, got 0"),
        ({"tbtt_step": 2.5}, TypeError, "`tbtt_step` should be a positive int, got float: 2.5"),
        ({"tbtt_step": True}, TypeError, "`tbtt_step` should be a positive int, got bool"),
        ({"dim": "0"}, TypeError, "`dim` should be an int, got str: '0'"),
        ({"device": 3}, TypeError, "`device` should be None, a str or a torch.device, got int: 3"),
        ({"non_blocking": "no"}, TypeError, "`non_blocking` should be a bool, got str: 'no'"),
        ({"prepare_batch": None}, TypeError, "`prepare_batch` should be callable, got NoneType"),
    ],
)
def test_bad_arguments(kwargs: dict[str, Any], error: type[Exception], match: str) -> None:
    model, optimizer = _model_and_optimizer()
    arguments: dict[str, Any] = {
        "model": model,
        "optimizer": optimizer,
        "loss_fn": torch.nn.MSELoss(),
        "tbtt_step": 2,
        **kwargs,
    }
    with pytest.raises(error, match=match):
        create_supervised_tbptt_trainer(**arguments)


@pytest.mark.parametrize(
    ("batch", "dim", "match"),
    [
        (torch.randn(4, 3, 2), 0, r"`batch` should be a pair \(x, y\) of tensors"),
        ((torch.randn(4, 3, 2), [1.0]), 0, r"`batch` should be a pair \(x, y\) of tensors"),
        ((torch.randn(4, 3, 2), torch.randn(5, 3, 1)), 0, r"same length along the time dimension dim=0.*\(5, 3, 1\)"),
        ((torch.randn(4, 3, 2), torch.randn(4, 3, 1)), 3, r"`dim`=3 should be a dimension of the batch's x"),
    ],
)
def test_bad_batches(batch: Any, dim: int, match: str) -> None:
    model, optimizer = _model_and_optimizer()
    trainer = create_supervised_tbptt_trainer(model, optimizer, torch.nn.MSELoss(), tbtt_step=2, dim=dim)
    with pytest.raises(ValueError, match=match):
        trainer.run([batch], max_epochs=1)
