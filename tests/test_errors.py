"""The one error type (roomtour.errors): one line, and whole after crossing a process boundary."""

import pickle
from concurrent.futures import ProcessPoolExecutor

import pytest

from roomtour.errors import RoomtourError


def _fail(where):
    raise RoomtourError(where, "not a photo")


def test_an_error_survives_pickling_with_both_parts():
    err = pickle.loads(pickle.dumps(RoomtourError("a.jpg", "not a photo")))
    assert isinstance(err, RoomtourError)
    assert (err.where, err.problem, str(err)) == ("a.jpg", "not a photo", "a.jpg: not a photo")


def test_a_worker_process_error_arrives_as_the_same_one_line():
    with ProcessPoolExecutor(1) as pool:
        with pytest.raises(RoomtourError) as caught:
            pool.submit(_fail, "photos/b.jpg").result()
    assert str(caught.value) == "photos/b.jpg: not a photo"
