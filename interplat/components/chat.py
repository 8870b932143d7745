"""Pieces of a chat thread that both sides render: voice messages and the recorder."""

from __future__ import annotations

import reflex as rx

from ..state.threads import WAVE_HEIGHT

# MediaRecorder in the page: start, then stop and POST the clip to a URL. Chrome records
# WebM/Opus, Safari MP4/AAC, Firefox Ogg/Opus; the server reads the type from the bytes.
# While recording, an AnalyserNode measures the loudness (RMS) about 15 times a second:
# it drives the level bar (#voice-level) and ends the recording after a pause.
# ``start({silence, maxWait})``: ``silence`` seconds of quiet once speech was heard end
# it ("silence"); ``maxWait`` seconds without any speech end it too ("nothing"). 0 turns
# either off. ``waitForEnd()`` resolves with that reason (or "manual" when the person
# sent or canceled), so the page's state learns of an automatic stop and sends.
RECORDER_JS = """
window.interplatRecorder = window.interplatRecorder || {
  rec: null, chunks: [], started: 0, timer: null, meter: null, audio: null,
  level: 0, peak: 0, heard: false, quietSince: 0, opts: {}, ending: null, endWith: null,
  SPEECH_RMS: 0.02,
  async start(opts) {
    if (!navigator.mediaDevices || !window.MediaRecorder) return "unsupported";
    let stream;
    try { stream = await navigator.mediaDevices.getUserMedia({audio: true}); }
    catch (e) { return "denied"; }
    const type = ["audio/webm;codecs=opus", "audio/mp4", "audio/ogg;codecs=opus"]
      .find((t) => MediaRecorder.isTypeSupported(t));
    this.opts = opts || {};
    this.chunks = [];
    this.rec = new MediaRecorder(stream, type ? {mimeType: type} : {});
    this.rec.ondataavailable = (e) => { if (e.data.size) this.chunks.push(e.data); };
    this.rec.start(250);
    this.started = Date.now();
    this.ending = new Promise((resolve) => { this.endWith = resolve; });
    clearInterval(this.timer);
    this.timer = setInterval(() => {
      const el = document.getElementById("voice-elapsed");
      if (!el) return;
      const s = Math.floor((Date.now() - this.started) / 1000);
      el.textContent = Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
    }, 250);
    this.listen(stream);
    return "recording";
  },
  listen(stream) {
    this.level = 0; this.peak = 0; this.heard = false; this.quietSince = Date.now();
    const Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) return;
    try {
      this.audio = new Ctx();
      this.audio.resume().catch(() => {});
      const analyser = this.audio.createAnalyser();
      analyser.fftSize = 1024;
      this.audio.createMediaStreamSource(stream).connect(analyser);
      const samples = new Float32Array(analyser.fftSize);
      clearInterval(this.meter);
      this.meter = setInterval(() => this.measure(analyser, samples), 66);
    } catch (e) { this.audio = null; }
  },
  measure(analyser, samples) {
    analyser.getFloatTimeDomainData(samples);
    let sum = 0;
    for (const v of samples) sum += v * v;
    const rms = Math.sqrt(sum / samples.length);
    this.level = Math.min(1, Math.sqrt(rms * 8));
    this.peak = Math.max(this.peak, this.level);
    const bar = document.getElementById("voice-level");
    if (bar) {
      bar.style.transform = "scaleX(" + Math.max(0.03, this.level).toFixed(3) + ")";
      bar.dataset.level = this.level.toFixed(3);
    }
    const now = Date.now();
    if (rms >= this.SPEECH_RMS) { this.heard = true; this.quietSince = now; }
    const silence = Number(this.opts.silence) || 0, maxWait = Number(this.opts.maxWait) || 0;
    if (this.heard && silence > 0 && now - this.quietSince >= silence * 1000) this.end("silence");
    else if (!this.heard && maxWait > 0 && now - this.started >= maxWait * 1000) this.end("nothing");
  },
  end(reason) {
    clearInterval(this.meter);
    this.meter = null;
    if (this.audio) { this.audio.close().catch(() => {}); this.audio = null; }
    if (this.endWith) { const done = this.endWith; this.endWith = null; done(reason); }
  },
  waitForEnd() { return this.ending || Promise.resolve("manual"); },
  stop() {
    clearInterval(this.timer);
    this.end("manual");
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
      if (r.ok && body.declined) return {declined: true};
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


def level_meter() -> rx.Component:
    """The live loudness bar the recorder scales while the microphone is open."""
    return rx.box(
        rx.box(
            id="voice-level",
            height="100%",
            width="100%",
            background=rx.color("red", 9),
            border_radius="3px",
            transform="scaleX(0.03)",
            transform_origin="left center",
            transition="transform 60ms linear",
        ),
        flex="1",
        min_width="40px",
        height="6px",
        border_radius="3px",
        background=rx.color("gray", 4),
        overflow="hidden",
        aria_hidden="true",
        data_testid="voice-level",
    )


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


def receipt(state: rx.Var) -> rx.Component:
    """Under one's own message: sent (one tick), delivered (two), read (two, bright)."""
    return rx.hstack(
        rx.cond(state == "sent", rx.icon("check", size=14), rx.icon("check-check", size=14)),
        rx.text(
            rx.match(state, ("read", "Read"), ("delivered", "Delivered"), "Sent"),
            size="1",
        ),
        justify="end",
        align="center",
        spacing="1",
        opacity=rx.cond(state == "read", "1", "0.7"),
        font_weight=rx.cond(state == "read", "bold", "normal"),
        data_receipt=state,
        data_testid="receipt",
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
