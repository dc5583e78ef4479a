"""The box large values travel in between the flow and its tasks (see :class:`Handoff`)."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

T = TypeVar("T")


class Handoff(Generic[T]):
    """A large value handed to or from a task, emptied by the flow once the batch is done.

    Prefect keeps every task run's arguments and return value alive until the flow ends (its
    transaction records hold the task engines; measured: every batch's frames stayed resident, 1.9 GB
    after a 1M-line night). A task gets or returns the box; the flow releases the box after the batch,
    so a night holds one batch's frames. Prefect does not look inside the box, which also spares it
    walking whole frames for upstream futures (the ``quote`` it replaces)."""

    __slots__ = ("_value",)

    def __init__(self, value: T) -> None:
        self._value: T | None = value

    @property
    def value(self) -> T:
        if self._value is None:
            raise RuntimeError("this hand-off was released when its batch ended")
        return self._value

    def release(self) -> None:
        self._value = None


class Boxes:
    """The boxes one batch handed its tasks, emptied together when the batch is done (see :class:`Handoff`)."""

    __slots__ = ("_boxes",)

    def __init__(self) -> None:
        self._boxes: list[Handoff[Any]] = []

    def hand(self, value: T) -> Handoff[T]:
        """``value`` in a new box, emptied with the others."""
        self._boxes.append(Handoff(value))
        return self._boxes[-1]

    def take(self, box: Handoff[T]) -> T:
        """The value of a box a task returned; the box is emptied with the others."""
        self._boxes.append(box)
        return box.value

    def keep(self, *boxes: Handoff[Any]) -> None:
        """Leave ``boxes`` to whoever still reads them: :meth:`release` will not empty them."""
        for box in boxes:
            self._boxes.remove(box)

    def release(self) -> None:
        for box in self._boxes:
            box.release()
