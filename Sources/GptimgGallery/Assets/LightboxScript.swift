/// The lightbox's assets (issue 18 items 2, 4 and 5): `lightbox.js` (the grid's viewer and its
/// keys, the compare page's same-scale sizing, the ids-and-sizes toggle) and `lightbox.css`.
/// Every page loads both (`StaticAssets.styles` and `.scripts`); each does nothing where its
/// elements are absent.
enum LightboxAssets {
    static let css = StaticAsset(
        name: "lightbox.css", contentType: "text/css; charset=utf-8",
        body: ##"""
            /* The lightbox, the compare page and the ids-and-sizes toggle (lightbox.js). */
            .lightbox { position: fixed; inset: 0; z-index: 20; display: grid;
              grid-template-rows: auto minmax(0, 1fr) auto;
              background: #0b0c0e; color: var(--text); overscroll-behavior: contain; }
            .lightbox[hidden] { display: none; }
            .lightbox:focus { outline: none; }
            .lightbox-open, .lightbox-open body { overflow: hidden; }
            .lb-bar { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 8px; padding: 8px 12px;
              border-bottom: 1px solid var(--line); background: var(--panel); }
            .lb-bar button { min-width: 40px; min-height: 36px; }
            .lb-bar button:disabled { opacity: 0.4; cursor: default; }
            .lb-counter { color: var(--muted); font-size: 13px; padding: 0 6px; font-variant-numeric: tabular-nums; }
            .lb-spacer { flex: 1; }
            .lb-open { font-size: 13px; padding: 0 6px; }
            .lb-close { font-size: 20px; line-height: 1; }
            .lb-stage { display: flex; align-items: center; justify-content: center; min-height: 0; overflow: hidden;
              padding: 10px; }
            .lb-image { display: block; width: 100%; height: 100%; object-fit: contain; cursor: zoom-in; }
            .lightbox:not(.actual) .lb-stage { touch-action: pan-y pinch-zoom; }
            .lightbox.actual .lb-image { width: auto; height: auto; max-width: none; max-height: none;
              cursor: zoom-out; margin: auto; object-fit: none; }
            .lb-info { padding: 8px 14px 12px; border-top: 1px solid var(--line); background: var(--panel);
              max-height: 30vh;
              overflow: auto; }
            .lb-prompt { margin: 0 0 4px; overflow-wrap: anywhere; }
            .lb-facts { margin: 0; color: var(--muted); font-size: 13px; overflow-wrap: anywhere; }
            .lb-input { position: absolute; left: 50%; top: 64px; transform: translateX(-50%); display: flex;
              flex-wrap: wrap;
              gap: 8px; align-items: center; padding: 12px 14px; background: var(--panel);
              border: 1px solid var(--accent);
              border-radius: 10px; box-shadow: 0 8px 30px rgba(0, 0, 0, 0.6); max-width: calc(100vw - 24px); }
            .lb-input[hidden] { display: none; }
            .lb-input label { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
            .lb-input input { min-width: 12em; }
            .lb-toast { position: absolute; left: 50%; bottom: 90px; transform: translateX(-50%); margin: 0;
              padding: 8px 14px;
              background: #23272d; border: 1px solid var(--line); border-radius: 8px; font-size: 14px; opacity: 0;
              pointer-events: none; transition: opacity 0.15s; max-width: calc(100vw - 24px); }
            .lb-toast.shown { opacity: 1; }
            .lb-toast.error { color: var(--error); border-color: #4a2a2a; background: #2a1a1a; }
            .lb-help { position: absolute; right: 12px; top: 60px; width: min(420px, calc(100vw - 24px));
              max-height: 80vh;
              overflow: auto; padding: 12px 16px; background: var(--panel); border: 1px solid var(--line);
              border-radius: 10px; box-shadow: 0 8px 30px rgba(0, 0, 0, 0.6); }
            .lb-help[hidden] { display: none; }
            .lb-help h2 { font-size: 13px; text-transform: uppercase; letter-spacing: 0.06em; color: var(--muted);
              margin: 0 0 8px; }
            .lb-help dl { display: grid; grid-template-columns: auto 1fr; gap: 4px 14px; margin: 0; font-size: 14px; }
            .lb-help dt { font: 13px/1.6 ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace;
              color: var(--gold); }
            .lb-help dd { margin: 0; }
            .tile[data-pick="rejected"] img { opacity: 0.35; }
            .filter.info-toggle { display: inline-flex; align-items: center; gap: 4px; }
            .filter.info-toggle span { margin: 0; }
            .show-info #grid > .tile .caption { padding-bottom: 26px; }
            .show-info #grid > .tile[data-id]::after {
              content: "#" attr(data-id) " · " attr(data-width) "×" attr(data-height);
              position: absolute; left: 10px; bottom: 7px; color: var(--muted); pointer-events: none;
              font: 12px/1.3 ui-monospace, "DejaVu Sans Mono", Menlo, monospace; }
            @media (max-width: 600px) {
              .lb-bar { padding: 6px 8px; gap: 6px 4px; }
              .lb-bar button { min-width: 34px; padding: 4px 8px; }
              .lb-counter { padding: 0 2px; }
              .lb-open { order: 10; }
              .lb-stage { padding: 4px; }
              .lb-toast { bottom: 110px; }
            }

            .compare-row { display: grid; gap: 12px; align-items: end; justify-items: center; margin-bottom: 16px; }
            .compare-row[data-count="2"] { grid-template-columns: repeat(2, minmax(0, 1fr)); }
            .compare-row[data-count="3"] { grid-template-columns: repeat(3, minmax(0, 1fr)); }
            .compare-row[data-count="4"] { grid-template-columns: repeat(4, minmax(0, 1fr)); }
            @media (max-width: 600px) { .compare-row[data-count] { grid-template-columns: 1fr; } }
            .compare-item { margin: 0; width: 100%; display: flex; flex-direction: column; align-items: center; }
            .compare-item img { display: block; max-width: 100%; height: auto; background: #0c0d0f;
              border-radius: 6px; }
            .compare-item figcaption { margin-top: 6px; font-size: 13px; color: var(--muted); text-align: center; }
            .compare-item figcaption strong { color: var(--text); }
            .compare-details { background: var(--panel); border: 1px solid var(--line); border-radius: 10px;
              padding: 12px 16px; }
            .compare-details h2 { font-size: 12px; text-transform: uppercase; letter-spacing: 0.06em;
              color: var(--muted);
              margin: 12px 0 8px; font-weight: 600; }
            .diff-row { margin-bottom: 10px; }
            .diff-label { display: block; font-size: 12px; color: var(--muted); }
            .word-diff { margin: 2px 0 0; line-height: 1.6; overflow-wrap: anywhere; }
            .word-diff del { color: var(--error); background: #3a1e22; text-decoration: line-through; padding: 0 2px;
              border-radius: 3px; }
            .word-diff ins { color: #9be9a8; background: #183a24; text-decoration: none; padding: 0 2px;
              border-radius: 3px; }
            .same-note { color: var(--muted); }
            .compare-settings td.differs { color: var(--gold); }
            .compare-settings thead th { text-align: left; font-weight: 600; color: var(--muted);
              padding: 4px 12px 4px 0; }
            .compare-settings td { padding-right: 12px; }
            .compare-link { margin: 6px 0 0; font-size: 13px; }
            """##)

    static let js = StaticAsset(
        name: "lightbox.js", contentType: "text/javascript; charset=utf-8",
        body: ##"""
            "use strict";
            // The workspace's review script: the grid's lightbox with its keyboard (issue 18 item 2), the
            // compare page's same-scale sizing (item 4) and the ids-and-sizes toggle (item 5). Edits are the
            // image page's own POSTs (/api/image/ID/rating|favorite|pick|tags|collections) with the per-start
            // token, one at a time in the order they were typed; text reaches the page only as textContent.
            (function () {
              // Ids and sizes on the tiles: a class on <html>, remembered in localStorage.
              const infoKey = "gptimg.showInfo";
              function remembered() {
                try { return localStorage.getItem(infoKey) === "1"; } catch (error) { return false; }
              }
              document.documentElement.classList.toggle("show-info", remembered());
              const infoToggle = document.getElementById("show-info");
              if (infoToggle) {
                infoToggle.checked = remembered();
                infoToggle.addEventListener("change", () => {
                  try {
                    localStorage.setItem(infoKey, infoToggle.checked ? "1" : "0");
                  } catch (error) {
                    // Storage refused (private mode): the toggle still works for this page.
                  }
                  document.documentElement.classList.toggle("show-info", infoToggle.checked);
                });
              }

              // The compare page: every image at one scale, the largest that lets each fit its column.
              const compare = document.getElementById("compare");
              if (compare) {
                const fit = () => {
                  const figures = [...compare.querySelectorAll(".compare-item")];
                  const tallest = Math.max(200, window.innerHeight * 0.7);
                  let scale = 4;
                  for (const figure of figures) {
                    const width = Number(figure.dataset.width) || 1;
                    const height = Number(figure.dataset.height) || 1;
                    scale = Math.min(scale, figure.clientWidth / width, tallest / height);
                  }
                  for (const figure of figures) {
                    const image = figure.querySelector("img");
                    image.style.width = Math.max(1, Math.floor(Number(figure.dataset.width) * scale)) + "px";
                    image.style.height = Math.max(1, Math.floor(Number(figure.dataset.height) * scale)) + "px";
                  }
                  compare.dataset.scale = scale.toFixed(4);
                };
                window.addEventListener("resize", fit);
                fit();
              }

              const grid = document.getElementById("grid");
              if (!grid) return;

              const keys = [
                ["← →", "previous / next image (loads more of the search at its end)"],
                ["0 – 5", "rate (0 clears)"],
                ["F", "favourite on / off"],
                ["P", "pick (again: neither)"],
                ["X", "reject (again: neither)"],
                ["T", "add a tag"],
                ["C", "add to a collection"],
                ["D", "compare with the image viewed before (or with its parent)"],
                ["Z", "fitted / actual size (1:1); a click on the image too"],
                ["?", "this list"],
                ["Esc", "close (this list, the tag box, then the viewer); Back closes it too"],
                ["swipe", "on a touch screen: left for the next image, right for the one before"],
              ];

              function element(tag, className, text) {
                const node = document.createElement(tag);
                if (className) node.className = className;
                if (text !== undefined) node.textContent = text;
                return node;
              }
              function button(className, text, label, shortcut) {
                const node = element("button", className, text);
                node.type = "button";
                node.setAttribute("aria-label", label);
                if (shortcut) node.setAttribute("aria-keyshortcuts", shortcut);
                node.title = label;
                return node;
              }

              const box = element("div", "lightbox");
              box.id = "lightbox";
              box.hidden = true;
              box.tabIndex = -1;
              box.setAttribute("role", "dialog");
              box.setAttribute("aria-modal", "true");
              box.setAttribute("aria-label", "Image viewer");
              box.dataset.pending = "0";

              const bar = element("div", "lb-bar");
              const counter = element("span", "lb-counter");
              counter.setAttribute("aria-live", "polite");
              const prevButton = button("lb-prev", "←", "previous image (←)", "ArrowLeft");
              const nextButton = button("lb-next", "→", "next image (→)", "ArrowRight");
              const zoomButton = button("lb-zoom", "1:1", "actual size (Z)", "Z");
              zoomButton.setAttribute("aria-pressed", "false");
              const compareButton = button("lb-compare", "Compare", "compare (D)", "D");
              const helpButton = button("lb-help-button", "?", "keyboard shortcuts (?)", "Shift+?");
              helpButton.setAttribute("aria-controls", "lb-help");
              helpButton.setAttribute("aria-expanded", "false");
              const closeButton = button("lb-close", "×", "close (Esc)", "Escape");
              const openLink = element("a", "lb-open", "Open page");
              bar.append(prevButton, nextButton, counter, element("span", "lb-spacer"), openLink, zoomButton,
                compareButton, helpButton, closeButton);

              const stage = element("div", "lb-stage");
              const picture = element("img", "lb-image");
              picture.alt = "";
              stage.append(picture);

              const info = element("div", "lb-info");
              const prompt = element("p", "lb-prompt");
              prompt.id = "lb-prompt";
              const facts = element("p", "lb-facts");
              facts.id = "lb-facts";
              info.append(prompt, facts);
              box.setAttribute("aria-describedby", "lb-prompt lb-facts");

              const form = element("form", "lb-input");
              form.hidden = true;
              const formLabel = element("label");
              const formText = element("span");
              const input = element("input");
              input.maxLength = 100;
              input.autocomplete = "off";
              const choices = element("datalist");
              choices.id = "lb-choices";
              input.setAttribute("list", choices.id);
              formLabel.append(formText, input);
              const addButton = element("button", "", "Add");
              addButton.type = "submit";
              const cancelButton = button("lb-cancel", "Cancel", "cancel (Esc)");
              form.append(formLabel, addButton, cancelButton, choices);

              const toast = element("p", "lb-toast");
              toast.setAttribute("role", "status");
              toast.setAttribute("aria-live", "polite");

              const help = element("div", "lb-help");
              help.hidden = true;
              help.id = "lb-help";
              help.append(element("h2", "", "Keyboard"));
              const list = element("dl");
              for (const [key, what] of keys) list.append(element("dt", "", key), element("dd", "", what));
              help.append(list);

              box.append(bar, stage, info, form, toast, help);
              document.body.append(box);

              let current = null;      // the tile shown
              let previous = null;     // the id of the image viewed before it (D compares the two)
              let opener = null;       // what had the focus before the viewer opened
              let formKind = null;     // "tags" or "collections" while the input is open
              let toastTimer = 0;

              const tiles = () => [...grid.querySelectorAll(":scope > li.tile[data-id]")];

              function say(text, isError) {
                clearTimeout(toastTimer);
                toast.textContent = text;
                toast.classList.toggle("error", Boolean(isError));
                toast.classList.add("shown");
                toastTimer = setTimeout(() => toast.classList.remove("shown"), isError ? 8000 : 2000);
              }

              function total() {
                const node = document.getElementById("total");
                return node ? node.textContent : null;
              }

              function render() {
                const tile = current;
                const data = tile.dataset;
                const all = tiles();
                const index = all.indexOf(tile);
                const known = total();
                const more = document.getElementById("next") ? "+" : "";
                counter.textContent = (index + 1) + " of " + (known || all.length + more);
                const source = "/img/" + data.sha + ".png";
                if (picture.getAttribute("src") !== source) {
                  picture.removeAttribute("src");
                  picture.width = Number(data.width) || 0;
                  picture.height = Number(data.height) || 0;
                  picture.src = source;
                }
                const thumb = tile.querySelector("img");
                const text = thumb ? thumb.alt : "";
                picture.alt = text;
                prompt.textContent = text;
                const parts = ["#" + data.id, data.width + "×" + data.height];
                const rating = Number(data.rating) || 0;
                parts.push(rating > 0 ? "★".repeat(rating) : "not rated");
                if (data.fav === "1") parts.push("♥ favourite");
                if (data.pick === "picked") parts.push("✓ picked");
                if (data.pick === "rejected") parts.push("✗ rejected");
                if (tile.lbTags && tile.lbTags.length) parts.push("tags: " + tile.lbTags.join(", "));
                const collections = tile.lbCollections || [];
                if (collections.length) parts.push("in: " + collections.join(", "));
                facts.textContent = parts.join(" · ");
                openLink.href = "/image/" + encodeURIComponent(data.id);
                prevButton.disabled = index <= 0;
                nextButton.disabled = index >= all.length - 1 && !document.getElementById("next");
                // Neighbours' bytes are fetched now: the next key shows them from the cache.
                for (const neighbour of [all[index + 1], all[index - 1]]) {
                  if (neighbour) new Image().src = "/img/" + neighbour.dataset.sha + ".png";
                }
              }

              function show(tile) {
                if (current && current !== tile) previous = current.dataset.id;
                current = tile;
                remember(tile);
                render();
                // The grid follows behind, so closing lands on this tile; near the end, app.js's infinite
                // scroll sees its "More" link and fetches the next page ahead of the viewer.
                tile.scrollIntoView({ block: "nearest" });
              }

              // The viewer is an entry in the tab's history (same address, its image's id in the state): the
              // browser's or the phone's Back closes it, and coming back to the grid from an image's own page
              // opens it again on that image.
              function remember(tile) {
                const state = { gptimgLightbox: tile.dataset.id };
                if (history.state && history.state.gptimgLightbox) history.replaceState(state, "");
                else history.pushState(state, "");
              }

              function open(tile) {
                opener = document.activeElement;
                previous = null;
                box.hidden = false;
                for (const outside of document.querySelectorAll("body > header, body > main")) outside.inert = true;
                document.documentElement.classList.add("lightbox-open");
                show(tile);
                box.focus();
              }

              // `fromHistory`: Back already left the viewer's entry; any other way of closing leaves it here.
              function close(fromHistory) {
                if (!fromHistory && history.state && history.state.gptimgLightbox) history.back();
                hideForm();
                help.hidden = true;
                setZoom(false);
                box.hidden = true;
                for (const outside of document.querySelectorAll("body > header, body > main")) outside.inert = false;
                document.documentElement.classList.remove("lightbox-open");
                const link = current && current.isConnected ? current.querySelector("a") : null;
                if (link) link.focus();
                else if (opener && opener.isConnected) opener.focus();
                current = null;
              }

              // The next page of the search, through app.js's infinite scroll: its "More" link brought into
              // view, then the new tiles awaited (at most 10 s).
              function loadMore() {
                const next = document.getElementById("next");
                if (!next) return Promise.resolve(false);
                const before = tiles().length;
                return new Promise((resolve) => {
                  const observer = new MutationObserver(() => { if (tiles().length > before) done(true); });
                  const timer = setTimeout(() => done(false), 10000);
                  function done(loaded) {
                    observer.disconnect();
                    clearTimeout(timer);
                    resolve(loaded);
                  }
                  observer.observe(grid, { childList: true });
                  next.scrollIntoView({ block: "end" });
                });
              }

              // While the next page loads, keys wait in `backlog` and run once it is there, in order: a
              // rating typed meanwhile is for the image the arrow was going to.
              let moving = false;
              const backlog = [];
              async function move(step) {
                if (moving || !current) return;
                const all = tiles();
                const index = all.indexOf(current);
                if (step < 0) {
                  if (index <= 0) { say("This is the first image."); return; }
                  show(all[index - 1]);
                  return;
                }
                if (index + 1 < all.length) { show(all[index + 1]); return; }
                if (!document.getElementById("next")) { say("This is the last image of the search."); return; }
                moving = true;
                say("Loading more…");
                const loaded = await loadMore();
                moving = false;
                if (!current) return;
                const after = tiles();
                if (loaded && after.indexOf(current) + 1 < after.length) {
                  toast.classList.remove("shown");
                  show(after[after.indexOf(current) + 1]);
                  while (backlog.length && !moving && current) act(backlog.shift());
                } else {
                  backlog.length = 0;
                  const reason = "The next page did not load (is gptimg serve still running?)";
                  say(reason + "; keys typed meanwhile were dropped.", true);
                }
              }

              // Edits run one after another, in the order typed, each on the image it was typed on.
              let queue = Promise.resolve();
              let pending = 0;
              function edit(tile, what, body, done) {
                pending += 1;
                box.dataset.pending = String(pending);
                queue = queue.then(() => send(tile, what, body, done)).finally(() => {
                  pending -= 1;
                  box.dataset.pending = String(pending);
                });
              }

              async function send(tile, what, body, done) {
                const id = tile.dataset.id;
                const answer = await window.gptimg.postJSON("/api/image/" + encodeURIComponent(id) + "/" + what, body);
                if (!answer.ok) {
                  tile.lbFav = undefined;
                  tile.lbPick = undefined;
                  const why = answer.status === 0
                    ? "the gallery is not answering (is gptimg serve still running?)" : answer.message;
                  say("#" + id + " not saved: " + why, true);
                  return;
                }
                const data = answer.json;
                update(tile, data);
                if (tile === current) render();
                say("#" + id + ": " + done(data));
              }

              // The tile's data- attributes and badges, as the server draws them (Pages.tile).
              function update(tile, image) {
                tile.dataset.rating = String(image.rating);
                tile.dataset.fav = image.favorite ? "1" : "0";
                tile.dataset.pick = image.pick;
                tile.lbTags = image.tags;
                tile.lbCollections = image.collections;
                const badges = [];
                if (image.rating > 0) {
                  const stars = element("span", "stars", "★".repeat(image.rating));
                  stars.title = "rating " + image.rating;
                  badges.push(stars);
                }
                if (image.favorite) {
                  const fav = element("span", "fav", "♥");
                  fav.title = "favourite";
                  badges.push(fav);
                }
                if (image.pick === "picked" || image.pick === "rejected") {
                  const pick = element("span", "pick", image.pick === "picked" ? "✓" : "✗");
                  pick.title = image.pick;
                  badges.push(pick);
                }
                let holder = tile.querySelector(":scope > .badges");
                if (!badges.length) {
                  if (holder) holder.remove();
                  return;
                }
                if (!holder) {
                  holder = element("span", "badges");
                  tile.querySelector(":scope > a").after(holder);
                }
                holder.replaceChildren(...badges);
              }

              function setZoom(actual) {
                box.classList.toggle("actual", actual);
                zoomButton.setAttribute("aria-pressed", String(actual));
                zoomButton.textContent = actual ? "Fit" : "1:1";
                zoomButton.setAttribute("aria-label", actual ? "fit to the window (Z)" : "actual size (Z)");
              }

              function showForm(kind) {
                formKind = kind;
                const id = current.dataset.id;
                formText.textContent = kind === "tags" ? "Tag #" + id + " " : "Add #" + id + " to the collection ";
                input.value = "";
                // The names the grid's own filters offer.
                const select = document.querySelector(kind === "tags" ? 'select[name="tag"]' : 'select[name="in"]');
                const names = (select ? [...select.options] : []).map((option) => option.value).filter(Boolean);
                choices.replaceChildren(...names.map((name) => {
                  const choice = element("option");
                  choice.value = name;
                  return choice;
                }));
                form.hidden = false;
                input.focus();
              }

              function hideForm() {
                formKind = null;
                form.hidden = true;
                if (!box.hidden) box.focus();
              }

              form.addEventListener("submit", (event) => {
                event.preventDefault();
                const value = input.value.trim();
                const kind = formKind;
                const tile = current;
                hideForm();
                if (!value || !tile) return;
                edit(tile, kind, { add: [value] }, () => (kind === "tags" ? "tagged " : "added to ") + value);
              });
              cancelButton.addEventListener("click", hideForm);

              // The comparison is asked for first: one the server refuses (an image without a parent, one
              // deleted meanwhile) is said here, and the viewer stays.
              async function compareNow() {
                const id = current.dataset.id;
                const ids = previous && previous !== id ? [previous, id] : [id];
                const address = "/compare?ids=" + ids.map(encodeURIComponent).join(",");
                let response;
                try {
                  response = await fetch(address, { credentials: "same-origin" });
                } catch (error) {
                  say("Cannot compare: the gallery is not answering (is gptimg serve still running?)", true);
                  return;
                }
                if (response.ok) {
                  window.location.href = address;
                  return;
                }
                const page = new DOMParser().parseFromString(await response.text(), "text/html");
                const reason = page.querySelector("main .error");
                say("Cannot compare: " + (reason ? reason.textContent : "HTTP " + response.status), true);
              }

              function toggleHelp() {
                help.hidden = !help.hidden;
                helpButton.setAttribute("aria-expanded", String(!help.hidden));
              }

              prevButton.addEventListener("click", () => move(-1));
              nextButton.addEventListener("click", () => move(1));
              zoomButton.addEventListener("click", () => setZoom(!box.classList.contains("actual")));
              picture.addEventListener("click", () => setZoom(!box.classList.contains("actual")));
              compareButton.addEventListener("click", compareNow);
              helpButton.addEventListener("click", toggleHelp);
              closeButton.addEventListener("click", () => close());
              window.addEventListener("popstate", (event) => {
                const id = event.state && event.state.gptimgLightbox;
                if (!id && !box.hidden) close(true);
                else if (id && box.hidden) reopen(id);
              });
              function reopen(id) {
                const tile = grid.querySelector("li.tile[data-id=\"" + CSS.escape(id) + "\"]");
                if (tile) open(tile);
                else history.replaceState(null, "");
              }
              if (history.state && history.state.gptimgLightbox) reopen(history.state.gptimgLightbox);

              // A horizontal swipe on the picture (a finger or a pen; fitted, not at 1:1, where a finger pans)
              // moves as the arrows do: left to the next image, right to the one before.
              let swipe = null;
              stage.addEventListener("pointerdown", (event) => {
                if (event.pointerType === "mouse" || box.classList.contains("actual") || !event.isPrimary) return;
                swipe = { x: event.clientX, y: event.clientY, at: event.timeStamp };
              });
              stage.addEventListener("pointercancel", () => { swipe = null; });
              stage.addEventListener("pointerup", (event) => {
                if (!swipe || !event.isPrimary) return;
                const dx = event.clientX - swipe.x;
                const dy = event.clientY - swipe.y;
                const quick = event.timeStamp - swipe.at < 800;
                swipe = null;
                if (!quick || Math.abs(dx) < 50 || Math.abs(dx) < 1.5 * Math.abs(dy)) return;
                if (moving) backlog.push(dx < 0 ? "ArrowRight" : "ArrowLeft");
                else move(dx < 0 ? 1 : -1);
              });
              picture.addEventListener("error", () => {
                if (picture.getAttribute("src")) say("The image file cannot be shown (missing or unreadable).", true);
              });

              // A plain click on a tile opens the viewer. Modified clicks (selection, new tabs), the stack
              // count's link, and clicks another script already handled go their own way.
              document.addEventListener("click", (event) => {
                if (event.defaultPrevented || event.button !== 0) return;
                if (event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
                const link = event.target.closest("a");
                if (!link || link.classList.contains("stack-count")) return;
                const tile = link.parentElement;
                if (!tile || tile.parentElement !== grid || !tile.matches("li.tile[data-id]")) return;
                if (event.target.closest("input, label, button")) return;
                event.preventDefault();
                open(tile);
              });

              function focusables() {
                return [...box.querySelectorAll("button, a[href], input")].filter((node) => !node.disabled
                  && node.offsetParent !== null);
              }

              // The viewer's keys. While it is open every key stops here (capture on window), so other
              // scripts' shortcuts (a selection's Esc) wait until it closes.
              window.addEventListener("keydown", (event) => {
                if (box.hidden) return;
                event.stopImmediatePropagation();
                if (event.key === "Tab") {
                  const nodes = focusables();
                  if (!nodes.length) { event.preventDefault(); return; }
                  const at = nodes.indexOf(document.activeElement);
                  if (event.shiftKey && at <= 0) { event.preventDefault(); nodes[nodes.length - 1].focus(); }
                  else if (!event.shiftKey && (at === -1 || at === nodes.length - 1)) {
                    event.preventDefault();
                    nodes[0].focus();
                  }
                  return;
                }
                if (event.key === "Escape") {
                  event.preventDefault();
                  if (!form.hidden) hideForm();
                  else if (!help.hidden) toggleHelp();
                  else close();
                  return;
                }
                if (!form.hidden && form.contains(event.target)) return;
                if (event.ctrlKey || event.metaKey || event.altKey) return;
                const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
                // Enter and Space on a focused button press it.
                if ((key === "Enter" || key === " ") && event.target.closest("button, a")) return;
                if (!shortcuts.has(key)) return;
                event.preventDefault();
                if (moving) backlog.push(key);
                else act(key);
              }, true);

              const shortcuts = new Set(["ArrowRight", "ArrowLeft", "0", "1", "2", "3", "4", "5", "f", "p", "x", "t",
                "c", "d", "z", "?"]);

              // One shortcut, on the image shown. Favourite and pick toggle from what the last key asked
              // for (`lbFav`, `lbPick`; forgotten when an edit fails), so a key pressed twice before the
              // answers undoes the first.
              function act(key) {
                const tile = current;
                const data = tile.dataset;
                switch (key) {
                  case "ArrowRight": move(1); break;
                  case "ArrowLeft": move(-1); break;
                  case "0": case "1": case "2": case "3": case "4": case "5": {
                    const rating = Number(key);
                    const done = () => (rating ? "rated " + "★".repeat(rating) : "rating cleared");
                    edit(tile, "rating", { rating }, done);
                    break;
                  }
                  case "f": {
                    const favorite = (tile.lbFav ?? data.fav) !== "1";
                    tile.lbFav = favorite ? "1" : "0";
                    edit(tile, "favorite", { favorite }, () => (favorite ? "favourite" : "not a favourite"));
                    break;
                  }
                  case "p": {
                    const pick = (tile.lbPick ?? data.pick) === "picked" ? "none" : "picked";
                    tile.lbPick = pick;
                    edit(tile, "pick", { pick }, () => (pick === "picked" ? "picked" : "no longer picked"));
                    break;
                  }
                  case "x": {
                    const pick = (tile.lbPick ?? data.pick) === "rejected" ? "none" : "rejected";
                    tile.lbPick = pick;
                    edit(tile, "pick", { pick }, () => (pick === "rejected" ? "rejected" : "no longer rejected"));
                    break;
                  }
                  case "t": showForm("tags"); break;
                  case "c": showForm("collections"); break;
                  case "d": compareNow(); break;
                  case "z": setZoom(!box.classList.contains("actual")); break;
                  case "?": toggleHelp(); break;
                }
              }
            })();
            """##)
}
