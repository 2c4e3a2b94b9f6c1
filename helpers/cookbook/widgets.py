"""Widget forms over the same functions the recipe cells call.

A form shows one input per parameter and an explicit Run button. Pressing Run reads
the values, validates them, and only then calls the action; a bad value prints one
line naming the problem and the fix, and nothing is created. Output (and errors) go
into the form's own ``Output`` area, so they appear under the cell in JupyterLab.
Nothing runs on import or on display: a headless run never blocks on a form.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

import ipywidgets as w
from IPython.display import display

from cookbook.errors import CookbookError


class Form(w.VBox):
    """A titled set of inputs with a Run button that calls ``action(**values)``.

    Args:
        title: What the form does, shown above the inputs.
        inputs: One widget per keyword argument of ``action`` (its ``description`` is the label).
        action: Called with the inputs' values when Run is pressed; its return value is displayed.
        validate: Called first with the same values; raises ``BadParameter`` on bad input.
    """

    def __init__(
        self,
        title: str,
        inputs: Mapping[str, w.ValueWidget],
        action: Callable[..., Any],
        validate: Callable[..., None] | None = None,
    ) -> None:
        self.inputs = dict(inputs)
        self.action = action
        self.validate = validate
        self.button = w.Button(description="Run", button_style="primary", icon="play")
        self.output = w.Output()
        self.button.on_click(lambda _: self.submit())
        super().__init__([w.HTML(f"<b>{title}</b>"), *self.inputs.values(), self.button, self.output])

    def values(self) -> dict[str, Any]:
        """The current input values by keyword."""
        return {name: widget.value for name, widget in self.inputs.items()}

    def submit(self) -> Any:
        """Validate the values, run the action, and show its result (or one error line)."""
        self.output.clear_output()
        with self.output:
            try:
                values = self.values()
                if self.validate is not None:
                    self.validate(**values)
                result = self.action(**values)
            except CookbookError as exc:
                print(exc.line())
                return None
            if result is not None:
                display(result)
            return result

    def __repr__(self) -> str:
        return f"Form({', '.join(self.inputs)}): press Run in JupyterLab"
