import Foundation

/// The gallery's stylesheet, script and icon, compiled into the binary: no build step, no CDN,
/// nothing fetched from anywhere. Their URLs carry a hash of their content, so a browser may
/// keep them forever and still gets the new ones after an upgrade.
struct StaticAsset: Sendable {
    let name: String
    let contentType: String
    let body: String
    let hash: String

    init(name: String, contentType: String, body: String) {
        self.name = name
        self.contentType = contentType
        self.body = body
        // FNV-1a, 64-bit: a cache key, not a security measure.
        var value: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in body.utf8 {
            value ^= UInt64(byte)
            value = value &* 0x0000_0100_0000_01B3
        }
        hash = String(value, radix: 16)
    }

    /// The URL pages link to.
    var path: String { "/static/\(name)?v=\(hash)" }
}

enum StaticAssets {
    static let all = [icon] + styles + scripts

    /// Every page links these stylesheets, in this order: the gallery's base one first, then each
    /// feature's own.
    static let styles = [css, LightboxAssets.css, generateCSS, selectStyle]

    /// Every page loads these, in this order (each `defer`): the gallery's base script first.
    static let scripts = [js, LightboxAssets.js, generateJS, selectScript]

    static func named(_ name: String) -> StaticAsset? { all.first { $0.name == name } }

    static let icon = StaticAsset(
        name: "icon.svg", contentType: "image/svg+xml",
        body: """
            <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" \
            fill="#1c1f24"/><rect x="5" y="5" width="10" height="10" rx="2" fill="#8ab4f8"/><rect x="17" y="5" \
            width="10" height="10" rx="2" fill="#5f6b7a"/><rect x="5" y="17" width="10" height="10" rx="2" \
            fill="#5f6b7a"/><rect \
            x="17" y="17" width="10" height="10" rx="2" fill="#f6c35b"/></svg>
            """)

    static let css = StaticAsset(
        name: "app.css", contentType: "text/css; charset=utf-8",
        body: """
            :root {
              color-scheme: dark;
              --bg: #111315; --panel: #1a1d21; --tile: #202429; --line: #2c3137; --text: #e6e8eb;
              --muted: #9aa3ad; --accent: #8ab4f8; --gold: #f6c35b; --fav: #ff6b81; --error: #ff8a80;
              font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif;
            }
            * { box-sizing: border-box; }
            body { margin: 0; background: var(--bg); color: var(--text); }
            a { color: var(--accent); text-decoration: none; }
            a:hover { text-decoration: underline; }
            code, pre { font: 13px/1.4 ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; }
            button, input, select { font: inherit; color: inherit; }
            button { background: var(--tile); border: 1px solid var(--line); border-radius: 6px; padding: 5px 12px; \
            cursor: pointer; }
            button:hover { border-color: var(--accent); }
            input, select { background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: 5px \
            8px; }
            input:focus, select:focus, button:focus-visible { outline: 2px solid var(--accent); outline-offset: 1px; }

            .top { position: sticky; top: 0; z-index: 2; display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: \
            flex-start;
              padding: 10px 20px; background: rgba(17, 19, 21, 0.94); border-bottom: 1px solid var(--line); \
            backdrop-filter: blur(6px); }
            .brand { font-weight: 700; font-size: 18px; color: var(--text); padding-top: 4px; letter-spacing: 0.02em; }
            .top nav { display: flex; gap: 14px; padding-top: 6px; margin-left: auto; }
            .top nav a { color: var(--muted); }
            .top nav a:hover { color: var(--text); }
            .search { flex: 1 1 520px; display: flex; flex-wrap: wrap; gap: 8px; }
            .search input[type=search] { flex: 1 1 300px; min-width: 0; padding: 7px 10px; }
            .filters { flex-basis: 100%; display: flex; flex-wrap: wrap; gap: 6px 14px; align-items: center; \
            font-size: 13px; }
            .filter span { color: var(--muted); margin-right: 5px; }
            .filter select { padding: 3px 6px; max-width: 14em; }
            .filters .clear { color: var(--muted); }
            .filters-toggle { position: absolute; opacity: 0; width: 1px; height: 1px; pointer-events: none; }
            .filters-label { display: none; }

            main { padding: 16px 20px 48px; }
            /* A phone: after the rules it overrides (the same selectors, so the later rule wins). */
            @media (max-width: 700px) {
              .top { position: static; padding: 8px 12px; gap: 6px 12px; }
              .search input[type=search] { flex: 1 1 140px; }
              .filters-label { display: inline-flex; align-items: center; background: var(--tile);
                border: 1px solid var(--line); border-radius: 6px; padding: 5px 12px; cursor: pointer; }
              .filters-toggle:focus-visible + .filters-label { outline: 2px solid var(--accent); outline-offset: 1px; }
              .filters-toggle:checked + .filters-label { border-color: var(--accent); }
              .filters { display: none; }
              .filters-toggle:checked ~ .filters { display: flex; }
              .top nav { margin-left: 0; padding-top: 0; }
              main { padding: 12px 12px 40px; }
            }
            .summary { color: var(--muted); margin: 0 0 12px; }
            .empty { color: var(--muted); }
            .error { color: var(--error); background: #2a1a1a; border: 1px solid #4a2a2a; border-radius: 8px; padding: \
            10px 14px; white-space: pre-wrap; }
            .page-title { font-size: 22px; margin: 4px 0 14px; }

            .grid { list-style: none; margin: 0; padding: 0; display: grid; gap: 12px; grid-template-columns: \
            repeat(auto-fill, minmax(190px, 1fr)); }
            .tile { position: relative; background: var(--tile); border-radius: 10px; overflow: hidden; border: 1px \
            solid var(--line); }
            .tile a { display: flex; flex-direction: column; color: var(--text); height: 100%; }
            .tile a:hover { text-decoration: none; }
            .tile img, .tile .no-cover { display: block; width: 100%; height: auto; aspect-ratio: 1; object-fit: \
            contain; background: #0c0d0f; }
            .tile:hover { border-color: var(--accent); }
            .caption { display: -webkit-box; -webkit-line-clamp: 2; -webkit-box-orient: vertical; overflow: hidden;
              margin: 7px 9px 8px; font-size: 12.5px; line-height: 1.35; color: #c9ced4; overflow-wrap: anywhere; }
            .badges { position: absolute; top: 6px; right: 6px; display: flex; gap: 4px; font-size: 12px; }
            .badges span { background: rgba(0, 0, 0, 0.65); border-radius: 10px; padding: 1px 7px; }
            .badges .stars { color: var(--gold); }
            .stack-count { position: absolute; top: 6px; left: 6px; background: rgba(0, 0, 0, 0.75); \
            border-radius: 10px; padding: 1px 8px; font-size: 12px; color: var(--text); }
            .badges .fav { color: var(--fav); }
            .grid.small { grid-template-columns: repeat(auto-fill, minmax(120px, 1fr)); gap: 8px; }
            .grid.small .caption { font-size: 11.5px; }
            .pager { display: flex; justify-content: center; gap: 24px; margin: 24px 0; }
            .pager a { padding: 8px 16px; border: 1px solid var(--line); border-radius: 8px; background: var(--panel); }

            .image-page { display: grid; grid-template-columns: minmax(0, 3fr) minmax(320px, 2fr); gap: 24px; \
            align-items: start; }
            @media (max-width: 900px) { .image-page { grid-template-columns: 1fr; } }
            .full { margin: 0; position: sticky; top: 70px; background: #0c0d0f; border-radius: 10px; border: 1px \
            solid var(--line); }
            @media (max-width: 900px) { .full { position: static; } }
            .full img { display: block; max-width: 100%; height: auto; max-height: calc(100vh - 150px); margin: 0 \
            auto; object-fit: contain; }
            .details { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 16px \
            18px; min-width: 0; }
            .prompt { font-size: 17px; font-weight: 500; line-height: 1.5; margin: 0 0 12px; white-space: pre-wrap; \
            overflow-wrap: anywhere; }
            .negative { color: var(--muted); white-space: pre-wrap; overflow-wrap: anywhere; }
            .negative span { display: block; font-size: 12px; text-transform: uppercase; letter-spacing: 0.05em; }
            .details h2 { font-size: 12px; text-transform: uppercase; letter-spacing: 0.06em; color: var(--muted); \
            margin: 18px 0 8px; font-weight: 600; }
            .details h3 { font-size: 13px; color: var(--muted); margin: 10px 0 6px; font-weight: 500; }
            .edits { display: flex; flex-wrap: wrap; gap: 10px; align-items: center; }
            .rating { display: flex; gap: 2px; align-items: center; }
            .star { background: none; border: none; font-size: 22px; line-height: 1; padding: 2px; color: #4a525c; }
            .star.on { color: var(--gold); }
            .star:hover { color: var(--gold); }
            .clear-rating { font-size: 12px; padding: 2px 8px; margin-left: 6px; color: var(--muted); }
            .fav-toggle.on { color: var(--fav); border-color: var(--fav); }
            .chips ul { list-style: none; padding: 0; margin: 0 0 8px; display: flex; flex-wrap: wrap; gap: 6px; }
            .chip { display: inline-flex; align-items: center; background: var(--tile); border: 1px solid var(--line); \
            border-radius: 14px; padding: 1px 2px 1px 10px; }
            .chip a { color: var(--text); overflow-wrap: anywhere; }
            .chip .remove { border: none; background: none; padding: 0 7px; color: var(--muted); }
            .chip .remove:hover { color: var(--error); }
            .add { display: flex; gap: 6px; }
            .add input { flex: 1; min-width: 0; }
            .status { min-height: 1.2em; margin: 8px 0 0; color: var(--muted); font-size: 13px; }
            .status.error { color: var(--error); background: none; border: none; padding: 0; }
            .command { display: flex; gap: 8px; align-items: flex-start; }
            .command pre { flex: 1; margin: 0; padding: 10px; background: var(--bg); border: 1px solid var(--line); \
            border-radius: 6px;
              white-space: pre-wrap; overflow-wrap: anywhere; }
            .facts { width: 100%; border-collapse: collapse; font-size: 13px; }
            .facts th { text-align: left; font-weight: 500; color: var(--muted); padding: 4px 12px 4px 0; \
            vertical-align: top; white-space: nowrap; }
            .facts td { padding: 4px 0; overflow-wrap: anywhere; word-break: break-word; }
            .facts code.url { display: block; }
            """)

    static let js = StaticAsset(
        name: "app.js", contentType: "text/javascript; charset=utf-8",
        body: #"""
            "use strict";
            // The base script, loaded first: filters that apply on change, infinite scroll, the image
            // page's edits, and `window.gptimg`, the one way every script of the gallery POSTs. POSTs
            // carry the per-start token (read from the page's meta tag) in X-Gptimg-Token; everything
            // written to the page goes through textContent.
            (function () {
              const meta = document.querySelector('meta[name="gptimg-token"]');
              const token = meta ? meta.content : "";

              // A JSON POST with the token. Never throws: { ok, status, json, message }, where status is 0
              // when the server did not answer, and message says what went wrong (the server's error, or
              // the HTTP status), "" when ok.
              async function postJSON(url, body) {
                let response;
                try {
                  response = await fetch(url, {
                    method: "POST",
                    credentials: "same-origin",
                    headers: { "Content-Type": "application/json", "X-Gptimg-Token": token },
                    body: JSON.stringify(body),
                  });
                } catch (error) {
                  const message = "The gallery is not answering: is gptimg serve still running?";
                  return { ok: false, status: 0, json: null, message: message };
                }
                const json = await response.json().catch(() => null);
                const message = response.ok ? "" : (json && json.error) || "HTTP " + response.status;
                return { ok: response.ok, status: response.status, json: json, message: message };
              }
              window.gptimg = Object.freeze({ token: token, postJSON: postJSON });

              document.querySelectorAll(".filters select").forEach((select) => {
                select.addEventListener("change", () => select.form.submit());
              });

              // Infinite scroll: when the "Older" link comes near, fetch that page and append its tiles.
              const grid = document.getElementById("grid");
              function wireNext() {
                const next = document.getElementById("next");
                if (!grid || !next || !("IntersectionObserver" in window)) return;
                const observer = new IntersectionObserver(async (entries) => {
                  if (!entries.some((entry) => entry.isIntersecting)) return;
                  observer.disconnect();
                  try {
                    const response = await fetch(next.href, { credentials: "same-origin" });
                    if (!response.ok) throw new Error("HTTP " + response.status);
                    const page = new DOMParser().parseFromString(await response.text(), "text/html");
                    page.querySelectorAll("#grid > li").forEach((tile) => grid.appendChild(document.adoptNode(tile)));
                    const pager = page.getElementById("pager");
                    if (pager) {
                      const newest = pager.querySelector(".newest");
                      if (newest) newest.remove();
                      document.getElementById("pager").replaceWith(document.adoptNode(pager));
                    }
                    wireNext();
                  } catch (error) {
                    // The link stays: a click loads the page the ordinary way.
                  }
                }, { rootMargin: "1200px 0px" });
                observer.observe(next);
              }
              wireNext();

              const page = document.getElementById("image");
              if (!page) return;
              const id = page.dataset.id;
              const status = document.getElementById("status");

              function say(text, isError) {
                status.textContent = text;
                status.classList.toggle("error", Boolean(isError));
              }

              async function post(what, body) {
                say("Saving…");
                const answer = await postJSON("/api/image/" + encodeURIComponent(id) + "/" + what, body);
                if (!answer.ok) {
                  say(answer.message, true);
                  return null;
                }
                say("Saved.");
                render(answer.json);
                return answer.json;
              }

              function render(image) {
                const rating = document.getElementById("rating");
                rating.dataset.rating = String(image.rating);
                rating.querySelectorAll(".star").forEach((star) => {
                  star.classList.toggle("on", Number(star.dataset.rating) <= image.rating);
                });
                const fav = document.getElementById("fav");
                fav.classList.toggle("on", image.favorite);
                fav.setAttribute("aria-pressed", String(image.favorite));
                fav.textContent = image.favorite ? "♥ Favourite" : "♡ Favourite";
                renderChips("tags", image.tags, (value) => "/?tag=" + encodeURIComponent(value));
                renderChips("collections", image.collections, (value) => "/collection/" + encodeURIComponent(value));
              }

              function renderChips(kind, values, link) {
                const list = document.querySelector("#" + kind + " ul");
                list.replaceChildren(...values.map((value) => {
                  const item = document.createElement("li");
                  item.className = "chip";
                  const anchor = document.createElement("a");
                  anchor.href = link(value);
                  anchor.textContent = value;
                  const remove = document.createElement("button");
                  remove.type = "button";
                  remove.className = "remove";
                  remove.dataset.value = value;
                  remove.setAttribute("aria-label", "remove " + value);
                  remove.textContent = "×";
                  item.append(anchor, remove);
                  return item;
                }));
              }

              document.getElementById("rating").addEventListener("click", (event) => {
                const button = event.target.closest("button[data-rating]");
                if (button) post("rating", { rating: Number(button.dataset.rating) });
              });
              document.getElementById("fav").addEventListener("click", (event) => {
                post("favorite", { favorite: !event.currentTarget.classList.contains("on") });
              });
              for (const kind of ["tags", "collections"]) {
                const box = document.getElementById(kind);
                box.addEventListener("click", (event) => {
                  const button = event.target.closest("button.remove");
                  if (button) post(kind, { remove: [button.dataset.value] });
                });
                box.querySelector("form").addEventListener("submit", async (event) => {
                  event.preventDefault();
                  const input = event.target.elements.value;
                  const value = input.value.trim();
                  if (!value) return;
                  if (await post(kind, { add: [value] })) input.value = "";
                });
              }
              document.getElementById("copy").addEventListener("click", async () => {
                const command = document.getElementById("command");
                try {
                  await navigator.clipboard.writeText(command.textContent);
                  say("Command copied.");
                } catch (error) {
                  const range = document.createRange();
                  range.selectNodeContents(command);
                  getSelection().removeAllRanges();
                  getSelection().addRange(range);
                  say("Selected: press Ctrl-C to copy.");
                }
              });
            })();
            """#)
}
