"""Print the README's table of INTERPLAT_* variables from the Settings class."""

from __future__ import annotations

from pydantic import SecretStr

from interplat.config import PROJECT_ROOT, Settings


def rows() -> list[tuple[str, str, str]]:
    out = []
    for name, field in Settings.model_fields.items():
        default = field.default
        if isinstance(default, SecretStr):
            shown = "(dev placeholder)" if default.get_secret_value() else ""
        elif default is None:
            shown = ""
        else:
            shown = str(getattr(default, "value", default)).replace(str(PROJECT_ROOT) + "/", "./")
        out.append(
            (f"INTERPLAT_{name.upper()}", f"`{shown}`" if shown else "—", field.description or "")
        )
    return out


if __name__ == "__main__":
    print("| Variable | Default | Meaning |")
    print("|---|---|---|")
    for var, default, meaning in rows():
        print(f"| `{var}` | {default} | {meaning} |")
