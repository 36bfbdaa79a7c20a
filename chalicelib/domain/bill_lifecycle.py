"""A bill's life cycle: its states, and which action may move a bill in which state where. Pure.

```
draft --review--> review --issue--> issued --adjust--> (a new draft that references it)
  ^  \\--delete             \\--edit (back to draft)
  \\--edit
```

Nothing is issued without a person's review; an issued bill never changes again (it is corrected by an adjusting
bill), and a deleted one is gone. ``transition`` is the one place that says so: every use case asks it before it
writes, and a refused action is ``BillNotEditable`` (409).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

from chalicelib.domain.errors import Conflict


class BillState(StrEnum):
    DRAFT = "draft"
    REVIEW = "review"
    ISSUED = "issued"
    DELETED = "deleted"


class BillAction(StrEnum):
    EDIT = "edit"
    REVIEW = "review"
    ISSUE = "issue"
    DELETE = "delete"
    ADJUST = "adjust"  # draft an adjusting bill; the original stays issued


class BillNotEditable(Conflict):
    code = "bill-not-editable"
    title = "The bill cannot change in its current state"


#: (state, action) -> the state after it. An action missing for a state is refused.
TRANSITIONS: Mapping[tuple[BillState, BillAction], BillState] = MappingProxyType({
    (BillState.DRAFT, BillAction.EDIT): BillState.DRAFT,
    (BillState.REVIEW, BillAction.EDIT): BillState.DRAFT,
    (BillState.DRAFT, BillAction.REVIEW): BillState.REVIEW,
    (BillState.REVIEW, BillAction.ISSUE): BillState.ISSUED,
    (BillState.DRAFT, BillAction.DELETE): BillState.DELETED,
    (BillState.REVIEW, BillAction.DELETE): BillState.DELETED,
    (BillState.ISSUED, BillAction.ADJUST): BillState.ISSUED,
})

_REFUSALS: Mapping[BillAction, str] = MappingProxyType({
    BillAction.EDIT: "an issued bill is immutable; create an adjustment",
    BillAction.REVIEW: "only a draft goes to review; this bill is {state}",
    BillAction.ISSUE: "a bill is issued from review (a person checks it first); this one is {state}",
    BillAction.DELETE: "an issued bill cannot be deleted; create a credit adjustment",
    BillAction.ADJUST: "only an issued bill is corrected by an adjustment; edit the draft instead",
})


def transition(state: BillState, action: BillAction) -> BillState:
    """The state a bill in ``state`` is in after ``action``; ``BillNotEditable`` when the action is not allowed."""
    following = TRANSITIONS.get((state, action))
    if following is None:
        raise BillNotEditable(_REFUSALS[action].format(state=state))
    return following
