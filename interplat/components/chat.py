"""Pieces of a chat thread that both sides render: voice messages and the recorder."""

from __future__ import annotations

import reflex as rx

from ..state.threads import WAVE_HEIGHT

# MediaRecorder in the page: start, then stop and POST the clip to a URL. Chrome records
# WebM/Opus, Safari MP4/AAC, Firefox Ogg/Opus; the server reads the type from the bytes.
RECORDER_JS = """
window.interplatRecorder = window.interplatRecorder || {
  rec: null, chunks: [], started: 0, timer: null,
  async start() {
    if (!navigator.mediaDevices || !window.MediaRecorder) return "unsupported";
    let stream;
    try { stream = await navigator.mediaDevices.getUserMedia({audio: true}); }
    catch (e) { return "denied"; }
    const type = ["audio/webm;codecs=opus", "audio/mp4", "audio/ogg;codecs=opus"]
      .find((t) => MediaRecorder.isTypeSupported(t));
    this.chunks = [];
    this.rec = new MediaRecorder(stream, type ? {mimeType: type} : {});
    this.rec.ondataavailable = (e) => { if (e.data.size) this.chunks.push(e.data); };
    this.rec.start(250);
    this.started = Date.now();
    clearInterval(this.timer);
    this.timer = setInterval(() => {
      const el = document.getElementById("voice-elapsed");
      if (!el) return;
      const s = Math.floor((Date.now() - this.started) / 1000);
      el.textContent = Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
    }, 250);
    return "recording";
  },
  stop() {
    clearInterval(this.timer);
    return new Promise((resolve) => {
      const rec = this.rec;
      this.rec = null;
      if (!rec) return resolve(null);
      rec.onstop = () => {
        rec.stream.getTracks().forEach((t) => t.stop());
        resolve(new Blob(this.chunks, {type: rec.mimeType || "audio/webm"}));
      };
      rec.stop();
    });
  },
  async send(url, token) {
    const blob = await this.stop();
    if (!blob || !blob.size) return {error: "Nothing was recorded."};
    const headers = {"content-type": blob.type};
    if (token) headers["authorization"] = "Bearer " + token;
    try {
      const r = await fetch(url, {method: "POST", body: blob, headers});
      const body = await r.json().catch(() => ({}));
      if (r.ok) return {id: body.id || ""};
      return {error: (body.error && body.error.message) || "The voice message could not be sent."};
    } catch (e) {
      return {error: "The voice message could not be sent; check your connection."};
    }
  },
  async cancel() { await this.stop(); return "canceled"; },
};
"""


def recorder_script() -> rx.Component:
    return rx.script(RECORDER_JS)


def voice_message(message: rx.Var, color: rx.Var | str) -> rx.Component:
    """Waveform, length, a player and the transcript (or "transcribing…", or why not)."""
    return rx.vstack(
        rx.hstack(
            rx.icon("mic", size=16, flex_shrink="0"),
            rx.el.svg(
                rx.el.path(d=message["wave"], stroke=color, stroke_width="2"),
                view_box="0 0 " + message["wave_width"] + f" {WAVE_HEIGHT}",
                preserve_aspect_ratio="none",
                width="100%",
                height=f"{WAVE_HEIGHT}px",
                aria_hidden="true",
                data_testid="voice-waveform",
            ),
            rx.text(message["duration"], size="1", data_testid="voice-duration"),
            align="center",
            spacing="2",
            width="100%",
        ),
        rx.cond(
            message["media_url"] != "",
            rx.el.audio(
                src=message["media_url"],
                controls=True,
                preload="metadata",
                style={"width": "100%", "height": "32px", "min-width": "200px"},
                data_testid="voice-player",
            ),
        ),
        rx.cond(
            message["transcribing"] != "",
            rx.hstack(
                rx.spinner(size="1"),
                rx.text("transcribing…", size="1", font_style="italic"),
                align="center",
                spacing="1",
                data_testid="voice-transcribing",
            ),
            rx.cond(
                message["transcript_error"] != "",
                rx.text(
                    message["transcript_error"],
                    size="1",
                    font_style="italic",
                    data_testid="voice-transcript-error",
                ),
                rx.text(
                    rx.cond(message["transcript"] != "", message["transcript"], "(no speech)"),
                    size="2",
                    white_space="pre-wrap",
                    data_testid="voice-transcript",
                ),
            ),
        ),
        spacing="1",
        width="100%",
        min_width="220px",
    )


def typing_hint(seq: rx.Var, who: rx.Var | str) -> rx.Component:
    """ "… is typing" for a few seconds after each signal (``seq`` bumps re-key it)."""
    return rx.cond(
        seq > 0,
        rx.hstack(
            rx.el.span(rx.el.span("•"), rx.el.span("•"), rx.el.span("•"), class_name="ip-dots"),
            rx.text(who, " is typing…", size="1", color_scheme="gray"),
            key=seq.to_string(),
            class_name="ip-linger",
            align="center",
            spacing="1",
            padding="0 16px 4px",
            data_testid="typing-hint",
        ),
    )


def media_body(message: rx.Var, voice_color: rx.Var | str) -> rx.Component:
    """A message's content: text, a voice message, an image (tap for full screen), a
    video or a file."""
    return rx.match(
        message["kind"],
        ("voice", voice_message(message, voice_color)),
        (
            "image",
            rx.dialog.root(
                rx.dialog.trigger(
                    rx.image(
                        src=message["media_url"],
                        max_width="260px",
                        max_height="220px",
                        border_radius="8px",
                        cursor="zoom-in",
                        alt="Photo",
                        data_testid="thread-image",
                    )
                ),
                rx.dialog.content(
                    rx.image(src=message["media_url"], width="100%", alt="Photo"),
                    max_width="90vw",
                    data_testid="image-full",
                ),
            ),
        ),
        (
            "video",
            rx.el.video(
                src=message["media_url"],
                controls=True,
                preload="metadata",
                style={"max-width": "300px", "border-radius": "8px"},
                data_testid="thread-video",
            ),
        ),
        (
            "file",
            rx.link(
                rx.hstack(rx.icon("file-text", size=18), rx.text(message["filename"], size="2")),
                href=message["media_url"],
                is_external=True,
                data_testid="thread-file",
            ),
        ),
        rx.text(message["body"], size="2", white_space="pre-wrap"),
    )
