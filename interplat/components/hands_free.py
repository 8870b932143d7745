"""Hands-free mode's pieces on the customer's composer: the offer, the switch, the
speech script and the watcher that hears new representative messages."""

from __future__ import annotations

import reflex as rx

from ..state.hands_free import HandsFreeState as H

# Speech synthesis with a guard: a browser without voices (headless Chromium) may never
# fire ``onend``, so each utterance also ends after a time its length allows. Every
# utterance is kept in ``window.interplatSpoken`` (what was read aloud, in order).
HANDS_FREE_JS = """
window.interplatSpoken = window.interplatSpoken || [];
window.interplatHandsFree = window.interplatHandsFree || {
  speak(text) {
    window.interplatSpoken.push(text);
    return new Promise((resolve) => {
      let done = false;
      const finish = () => { if (!done) { done = true; resolve(); } };
      setTimeout(finish, Math.min(20000, 1200 + text.length * 90));
      try {
        if (!window.speechSynthesis) return finish();
        const said = new SpeechSynthesisUtterance(text);
        said.onend = finish;
        said.onerror = finish;
        window.speechSynthesis.speak(said);
      } catch (e) { finish(); }
    });
  },
  async readAloud(text) {
    if (text) await this.speak(text);
    await this.speak("Reply?");
    return "listen";
  },
  async quiet(stopRecording) {
    try { window.speechSynthesis && window.speechSynthesis.cancel(); } catch (e) {}
    if (stopRecording && window.interplatRecorder) await window.interplatRecorder.cancel();
    return "quiet";
  },
};
"""


def offer_dialog() -> rx.Component:
    """ "Enable hands-free mode?" on the first microphone tap of a session."""
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title("Enable hands-free mode?"),
            rx.alert_dialog.description(
                "New messages will be read aloud; then we ask “Reply?” and listen. "
                "Say your answer, or say “no” to leave it. You can turn it off any time.",
                size="2",
            ),
            rx.hstack(
                rx.alert_dialog.cancel(
                    rx.button(
                        "Not now",
                        variant="soft",
                        color_scheme="gray",
                        on_click=H.answer_offer(False),
                        data_testid="hands-free-decline",
                    )
                ),
                rx.alert_dialog.action(
                    rx.button(
                        rx.icon("headphones"),
                        "Enable",
                        background=H.primary_color,
                        on_click=H.answer_offer(True),
                        data_testid="hands-free-enable",
                    )
                ),
                justify="end",
                spacing="3",
                margin_top="16px",
            ),
            max_width="340px",
            data_testid="hands-free-offer",
        ),
        open=H.offer_open,
        on_open_change=H.dismiss_offer,
    )


def switch_row() -> rx.Component:
    """Shows the mode is on and turns it off (or back on), once it has been offered."""
    return rx.cond(
        H.mode != "",
        rx.hstack(
            rx.icon("headphones", size=14),
            rx.text(
                rx.cond(H.mode == "on", "Hands-free on: replies are read aloud", "Hands-free"),
                size="1",
            ),
            rx.spacer(),
            rx.switch(
                checked=H.mode == "on",
                on_change=H.switch,
                size="1",
                aria_label="Hands-free mode",
                data_testid="hands-free-switch",
            ),
            align="center",
            spacing="1",
            width="100%",
            color=rx.color("gray", 11),
            data_testid="hands-free-row",
            data_mode=H.mode,
        ),
    )


def watcher() -> rx.Component:
    """Re-mounted for every new representative message (keyed on it), so the state can
    read it aloud when hands-free mode is on."""
    # The key sits on the wrapper: Reflex runs ``on_mount`` in a component around the
    # span, which a key on the span itself would not re-mount.
    return rx.el.div(
        rx.el.span(on_mount=H.csr_message_shown),
        key=H.newest_csr["key"],
        style={"display": "none"},
        data_testid="hands-free-watch",
        data_csr=H.newest_csr["key"],
    )


def hands_free() -> rx.Component:
    return rx.fragment(rx.script(HANDS_FREE_JS), offer_dialog(), watcher())
