from __future__ import annotations

from collections.abc import Iterator

import pytest

import ignite.distributed.utils as idist_utils
from ignite.distributed.comp_models.base import ComputationModel


@pytest.fixture(autouse=True)
def _restore_current_model() -> Iterator[None]:
    # Tests swap the process-wide model; every test starts and ends with the state it found.
    model, need_to_sync = idist_utils._model, idist_utils._need_to_sync
    ext_local_rank = ComputationModel._ext_local_rank
    yield
    idist_utils._model, idist_utils._need_to_sync = model, need_to_sync
    ComputationModel._ext_local_rank = ext_local_rank
