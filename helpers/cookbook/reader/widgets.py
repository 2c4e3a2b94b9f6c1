"""Widget forms over the same functions the recipe cells call, and forms that build a docker command.

A form shows one input per parameter and an explicit Run button. Pressing Run reads
the values, validates them, and only then calls the action; a bad value prints one
line naming the problem and the fix, and nothing is created. Output (and errors) go
into the form's own ``Output`` area, so they appear under the cell in JupyterLab.
Nothing runs on import or on display: a headless run never blocks on a form.

:func:`command_form` is the common case, one line in a cell::

    command_form("Echo a message", "docker run --rm cookbook/busybox echo {message}", message="hello")

Its fields fill the ``{placeholders}`` of the command, each value inside one argument (never
through a shell), and Run sends the command through the executor, which shows it as it ran.
"""

from __future__ import annotations

import html
import re
import shlex
from collections.abc import Callable, Mapping
from typing import Any

import ipywidgets as w
from IPython.display import display

from cookbook import dockercli, shell
from cookbook.errors import BadParameter, CookbookError

_WIDE = {"description_width": "initial"}


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
        validate: Callable[..., object] | None = None,
    ) -> None:
        self.inputs = dict(inputs)
        self.action = action
        self.validate = validate
        self.button = w.Button(description="Run", button_style="primary", icon="play", tooltip=f"Run: {title}")
        self.error = w.HTML("")  # one line, styled as an error, gone at the next change of a field
        self.output = w.Output()
        self.button.on_click(lambda _: self.submit())
        for widget in self.inputs.values():
            widget.observe(lambda _: setattr(self.error, "value", ""), names="value")
        super().__init__(
            [w.HTML(f"<b>{html.escape(title)}</b>"), *self.inputs.values(), self.button, self.error, self.output]
        )

    @property
    def error_line(self) -> str:
        """The error the form shows (plain text; "" when there is none)."""
        return html.unescape(re.sub(r"<[^>]+>", "", self.error.value))

    def values(self) -> dict[str, Any]:
        """The current input values by keyword."""
        return {name: widget.value for name, widget in self.inputs.items()}

    def submit(self) -> Any:
        """Validate the values, run the action, and show its result (or one error line, styled as an error).

        While the action runs, the button says so and cannot be pressed again.
        """
        self.output.clear_output()
        self.error.value = ""
        self.button.disabled, self.button.description, self.button.icon = True, "Running…", "hourglass-half"
        try:
            with self.output:
                values = self.values()
                if self.validate is not None:
                    self.validate(**values)
                result = self.action(**values)
                if result is not None:
                    display(result)
                return result
        except CookbookError as exc:
            self.error.value = f"<div class='jp-RenderedText' data-mime-type='application/vnd.jupyter.stderr'>{html.escape(exc.line())}</div>"
            return None
        finally:
            self.button.disabled, self.button.description, self.button.icon = False, "Run", "play"

    def __repr__(self) -> str:
        return f"Form({', '.join(self.inputs)}): press Run in JupyterLab"


def field(name: str, default: Any) -> w.ValueWidget:
    """An input for ``default``'s type, labelled with ``name`` (underscores as spaces), its label shown whole.

    A list or tuple of choices gives a drop-down of them, the first chosen.
    """
    label = name.replace("_", " ")
    common = {"description": label, "description_tooltip": label, "style": _WIDE}
    if isinstance(default, bool):
        return w.Checkbox(value=default, indent=False, **common)
    if isinstance(default, int):
        return w.IntText(value=default, **common)
    if isinstance(default, float):
        return w.FloatText(value=default, **common)
    if isinstance(default, (list, tuple)):
        return w.Dropdown(options=list(default), value=default[0], **common)
    return w.Text(value=str(default), **common)


def fill(template: str, values: Mapping[str, Any]) -> list[str]:
    """The arguments of ``template`` (a docker command line) with ``{name}`` filled in, each value inside its argument.

    Raises:
        BadParameter: A value is empty, or the template names a field it was not given.
    """
    empty = [name for name, value in values.items() if isinstance(value, str) and not value.strip()]
    if empty:
        raise BadParameter(f"the field {empty[0].replace('_', ' ')!r} is empty.", "type a value into it.")
    try:
        # $PWD of the template itself (never of a value) is the checkout's top folder, as in a cell.
        return [dockercli.in_pwd(arg).format(**values) for arg in shlex.split(template, comments=True)]
    except KeyError as exc:
        raise BadParameter(f"the command names a field {exc} the form does not have.") from None


def command_form(
    title: str,
    template: str,
    *,
    validate: Callable[..., None] | None = None,
    then: Callable[[shell.Result], Any] | None = None,
    on: shell.Engine | None = None,
    **fields: Any,
) -> Form:
    """A form whose fields fill a docker command; Run sends it through the executor.

    Args:
        title: What the form does.
        template: The docker command with ``{field}`` placeholders (``docker run --rm cookbook/busybox echo {message}``).
        validate: Called with the field values before anything runs; raises ``BadParameter``.
        then: Called with the command's result; what it returns is shown (a check, a link).
        on: A sandbox engine to send the command to.
        **fields: Each field's default value (its type picks the input: text, number, tick box, choice).
    """

    def run(**values: Any) -> Any:
        result = shell.docker(fill(template, values), on=on)
        return then(result) if then is not None else None

    return Form(title, {name: field(name, default) for name, default in fields.items()}, run, validate)
