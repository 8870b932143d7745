"""What the customer sees while photos, videos and files go up: a preview of each with
its own progress bar.

Picked files are sent at once (one tap on a phone); while the request runs the tray shows
a thumbnail (images), a video or file icon, the name and size, and how much of that file
has gone. The browser holds the files, so the tray is drawn by a small script: the
picker's ``change`` event lists them, Reflex's upload progress (bytes of the whole
request) is split over them in order, and the state clears the tray when the server has
stored them. The server's checks (``services.attachments``) stay the authority.
"""

from __future__ import annotations

import json

import reflex as rx

UPLOAD_TRAY_JS = """
window.interplatUploads = window.interplatUploads || {
  files: [], rule: {maxBytes: 0, accept: {}}, watching: false,
  watch(rootId, maxBytes, accept) {
    this.rule = {maxBytes, accept};
    if (this.watching) return;
    this.watching = true;
    document.addEventListener("change", (e) => {
      const input = e.target;
      if (input && input.type === "file" && input.closest && input.closest("#" + rootId)) {
        this.pick(input.files);
      }
    }, true);
  },
  accepts(f) {
    if (f.size > this.rule.maxBytes) return false;
    const name = f.name.toLowerCase(), type = (f.type || "").toLowerCase();
    return Object.entries(this.rule.accept).some(([mime, exts]) =>
      (mime.endsWith("/*") ? type.startsWith(mime.slice(0, -1)) : type === mime)
      || exts.some((x) => name.endsWith(x)));
  },
  pick(list) {
    this.clear();
    this.files = Array.from(list || []).filter((f) => this.accepts(f)).map((f) => {
      const kind = /^image\\//.test(f.type) ? "image" : /^video\\//.test(f.type) ? "video" : "file";
      return {name: f.name, size: f.size, kind, url: kind === "image" ? URL.createObjectURL(f) : ""};
    });
    this.build();
  },
  progress(p) {
    let offset = 0;
    const loaded = (p && p.loaded) || 0;
    for (const f of this.files) {
      const share = Math.max(0, Math.min(1, (loaded - offset) / Math.max(1, f.size)));
      offset += f.size;
      const pct = Math.round(share * 100);
      f.bar.style.width = pct + "%";
      f.chip.dataset.progress = String(pct);
      f.chip.setAttribute("aria-valuenow", String(pct));
    }
  },
  done() { this.clear(); },
  clear() {
    this.files.forEach((f) => f.url && URL.revokeObjectURL(f.url));
    this.files = [];
    this.build();
  },
  size(n) {
    return n >= 1048576 ? (n / 1048576).toFixed(1) + " MB" : Math.max(1, Math.round(n / 1024)) + " KB";
  },
  el(tag, style, attrs) {
    const node = document.createElement(tag);
    Object.assign(node.style, style || {});
    Object.entries(attrs || {}).forEach(([k, v]) => node.setAttribute(k, v));
    return node;
  },
  thumb(f) {
    if (f.kind === "image") {
      return this.el("img", {width: "44px", height: "44px", objectFit: "cover", borderRadius: "6px",
        flexShrink: "0"}, {src: f.url, alt: "", "data-testid": "upload-thumb"});
    }
    const box = this.el("div", {width: "44px", height: "44px", borderRadius: "6px", flexShrink: "0",
      display: "flex", alignItems: "center", justifyContent: "center", fontSize: "11px",
      fontWeight: "600", background: "var(--gray-4)", color: "var(--gray-11)"},
      {"data-testid": "upload-icon-" + f.kind});
    box.textContent = f.kind === "video" ? "\\u25B6 VIDEO" : "FILE";
    return box;
  },
  build() {
    const tray = document.getElementById("upload-tray");
    if (!tray) return;
    tray.replaceChildren();
    tray.style.display = this.files.length ? "flex" : "none";
    for (const f of this.files) {
      f.chip = this.el("div", {display: "flex", gap: "8px", alignItems: "center", width: "100%"},
        {"data-testid": "upload-preview", "data-progress": "0", role: "progressbar",
         "aria-valuemin": "0", "aria-valuemax": "100", "aria-valuenow": "0",
         "aria-label": "Sending " + f.name});
      const text = this.el("div", {flex: "1", minWidth: "0", display: "flex", flexDirection: "column",
        gap: "4px"});
      const name = this.el("div", {fontSize: "13px", overflow: "hidden", textOverflow: "ellipsis",
        whiteSpace: "nowrap"});
      name.textContent = f.name + " \\u00B7 " + this.size(f.size);
      const track = this.el("div", {height: "4px", borderRadius: "2px", background: "var(--gray-5)",
        overflow: "hidden"});
      f.bar = this.el("div", {height: "100%", width: "0%", background: "var(--upload-color)",
        transition: "width 120ms linear"}, {"data-testid": "upload-bar"});
      track.append(f.bar);
      text.append(name, track);
      f.chip.append(this.thumb(f), text);
      tray.append(f.chip);
    }
  },
};
"""


def upload_tray(
    upload_id: str, max_bytes: int, accept: dict[str, list[str]], color: rx.Var | str
) -> rx.Component:
    """The (script-drawn) list of files going up, above the composer's input row; the
    bars take ``color`` (the brand's)."""
    rule = f"{json.dumps(upload_id)}, {max_bytes}, {json.dumps(accept)}"
    return rx.fragment(
        rx.script(UPLOAD_TRAY_JS + f"window.interplatUploads.watch({rule});"),
        rx.el.div(
            id="upload-tray",
            style={
                "display": "none",
                "flex-direction": "column",
                "gap": "6px",
                "width": "100%",
                "--upload-color": color,
            },
            data_testid="upload-tray",
        ),
    )


def upload_progress(progress: rx.Var) -> rx.event.EventSpec:
    """Reflex's upload progress (``{loaded, total, progress}``) into the tray, client-side."""
    return rx.call_script("window.interplatUploads.progress(" + progress.to_string() + ")")
