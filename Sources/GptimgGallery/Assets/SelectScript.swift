extension StaticAssets {
    /// Selection and bulk actions on grid pages; creating, renaming, deleting and arranging
    /// collections. Loaded after `app.js` on every page; each part wires itself only where its
    /// elements are.
    static let selectScript = StaticAsset(
        name: "select.js", contentType: "text/javascript; charset=utf-8",
        body: #"""
            "use strict";
            // Selection (the tile's corner checkbox, Ctrl/Cmd-click, Shift-click for a range, "select all
            // N matching") and its toolbar's bulk actions; the collections' management controls and the
            // arrange page. Changes are POSTs with the per-start token in X-Gptimg-Token; everything
            // written to the page goes through textContent. A plain click on a tile is left alone (it
            // opens the image or the lightbox); Esc clears the selection unless something else (the
            // lightbox) took it first.
            (function () {
              // app.js's token and POST ({ ok, status, json, message }).
              const token = window.gptimg.token;
              const api = window.gptimg.postJSON;

              function make(tag, properties, ...children) {
                const element = document.createElement(tag);
                Object.assign(element, properties || {});
                element.append(...children);
                return element;
              }

              function hidden(name, value) {
                return make("input", { type: "hidden", name: name, value: value });
              }

              function plural(count, noun) {
                return count.toLocaleString("en") + " " + noun + (count === 1 ? "" : "s");
              }

              // ---- Collections: create, rename, delete (collections page, a collection's page, arrange page)

              function report(status, text, isError) {
                if (!status) return;
                status.textContent = text;
                status.classList.toggle("error-text", Boolean(isError));
              }

              function wireManage(box) {
                const name = box.dataset.name;
                const status = box.querySelector(".collection-status");
                const form = box.querySelector(".rename-form");
                const rename = box.querySelector("button.rename");
                function showForm(open) {
                  form.hidden = !open;
                  rename.setAttribute("aria-expanded", String(open));
                  if (open) { form.elements.to.focus(); form.elements.to.select(); } else rename.focus();
                }
                rename.addEventListener("click", () => showForm(form.hidden));
                form.querySelector(".cancel").addEventListener("click", () => showForm(false));
                form.addEventListener("keydown", (event) => {
                  if (event.key === "Escape") { event.preventDefault(); showForm(false); }
                });
                form.addEventListener("submit", async (event) => {
                  event.preventDefault();
                  const to = form.elements.to.value.trim();
                  if (!to || to === name) { showForm(false); return; }
                  report(status, "Renaming…");
                  const result = await api("/api/collections/rename", { name: name, to: to });
                  if (!result.ok) { report(status, result.message, true); return; }
                  if (box.classList.contains("heading")) {
                    // This page's address names the collection: go to the new one.
                    location.assign(result.json.path + (location.pathname.endsWith("/arrange") ? "/arrange" : ""));
                  } else {
                    location.reload();
                  }
                });
                box.querySelector("button.delete").addEventListener("click", async () => {
                  if (!window.confirm("Delete the collection “" + name + "”? Its images stay in the library.")) return;
                  report(status, "Deleting…");
                  const result = await api("/api/collections/delete", { name: name });
                  if (!result.ok) { report(status, result.message, true); return; }
                  if (box.classList.contains("heading")) location.assign("/collections");
                  else box.closest("li").remove();
                });
              }
              document.querySelectorAll(".collection-manage").forEach(wireManage);

              const create = document.getElementById("collection-create");
              if (create) {
                create.addEventListener("submit", async (event) => {
                  event.preventDefault();
                  const status = create.querySelector(".collection-status");
                  const name = create.elements.name.value.trim();
                  const query = create.elements.query.value.trim();
                  if (!name) return;
                  report(status, "Creating…");
                  const body = query ? { name: name, query: query } : { name: name };
                  const result = await api("/api/collections/create", body);
                  if (!result.ok) { report(status, result.message, true); return; }
                  location.reload();
                });
              }

              // ---- Arrange: move an image with ↑ ↓ (buttons, or Alt+arrow keys) or by dragging

              const arrange = document.getElementById("arrange");
              if (arrange && arrange.querySelector("[draggable]")) {
                const name = arrange.dataset.name;
                const status = document.getElementById("arrange-status");
                let busy = false;
                async function move(item, to, focusClass) {
                  if (busy) return;
                  busy = true;
                  report(status, "Moving…");
                  const body = { name: name, image: Number(item.dataset.id), to: to };
                  const result = await api("/api/collections/move", body);
                  busy = false;
                  if (!result.ok) { report(status, result.message, true); return; }
                  // The server's order is the truth: the list is redrawn in it.
                  const byID = new Map([...arrange.children].map((row) => [row.dataset.id, row]));
                  arrange.append(...result.json.order.map((id) => byID.get(String(id))).filter(Boolean));
                  [...arrange.children].forEach((row, index) => {
                    row.querySelector(".place").textContent = String(index + 1);
                  });
                  report(status, "Image " + item.dataset.id + " is now number " + (to + 1) + ".");
                  const focus = focusClass && item.querySelector("button." + focusClass);
                  (focus || item.querySelector("button") || item).focus();
                }
                function place(item) { return [...arrange.children].indexOf(item); }
                arrange.addEventListener("click", (event) => {
                  const button = event.target.closest("button.up, button.down");
                  if (!button) return;
                  const item = button.closest("li");
                  const up = button.classList.contains("up");
                  const to = place(item) + (up ? -1 : 1);
                  if (to < 0 || to >= arrange.children.length) return;
                  move(item, to, up ? "up" : "down");
                });
                arrange.addEventListener("keydown", (event) => {
                  if (!event.altKey || (event.key !== "ArrowUp" && event.key !== "ArrowDown")) return;
                  const item = event.target.closest("li");
                  if (!item) return;
                  event.preventDefault();
                  const up = event.key === "ArrowUp";
                  const to = place(item) + (up ? -1 : 1);
                  if (to >= 0 && to < arrange.children.length) move(item, to, up ? "up" : "down");
                });
                let dragged = null;
                function clearMarks() {
                  arrange.querySelectorAll(".drop-before, .drop-after").forEach((row) => {
                    row.classList.remove("drop-before", "drop-after");
                  });
                }
                arrange.addEventListener("dragstart", (event) => {
                  dragged = event.target.closest("li");
                  if (!dragged) return;
                  event.dataTransfer.effectAllowed = "move";
                  event.dataTransfer.setData("text/plain", dragged.dataset.id);
                  dragged.classList.add("dragging");
                });
                arrange.addEventListener("dragend", () => {
                  if (dragged) dragged.classList.remove("dragging");
                  dragged = null;
                  clearMarks();
                });
                function after(event, row) {
                  const box = row.getBoundingClientRect();
                  return event.clientY > box.top + box.height / 2;
                }
                arrange.addEventListener("dragover", (event) => {
                  const row = event.target.closest("li");
                  if (!dragged || !row) return;
                  event.preventDefault();
                  clearMarks();
                  if (row !== dragged) row.classList.add(after(event, row) ? "drop-after" : "drop-before");
                });
                arrange.addEventListener("drop", (event) => {
                  const row = event.target.closest("li");
                  if (!dragged || !row) return;
                  event.preventDefault();
                  clearMarks();
                  if (row === dragged) return;
                  const others = [...arrange.children].filter((other) => other !== dragged);
                  move(dragged, others.indexOf(row) + (after(event, row) ? 1 : 0));
                });
              }

              // ---- Selection on a grid page

              const grid = document.getElementById("grid");
              if (!grid) return;
              const totalElement = document.getElementById("total");
              // Read each time: a generation landing in the grid (generate.js) counts itself in.
              function total() { return totalElement ? Number(totalElement.textContent.replace(/[^0-9]/g, "")) : 0; }
              const selected = new Set();
              let everything = false; // "all N matching": the grid's query, every page
              let anchor = null; // the last tile clicked, where a Shift-click range starts

              // The grid's own search as a query string: what the server runs for "all matching".
              function gridQuery() {
                const parameters = new URLSearchParams(location.search);
                parameters.delete("before");
                const collection = location.pathname.match(/^\/collection\/([^/]+)$/);
                if (collection) parameters.set("in", decodeURIComponent(collection[1]));
                return parameters.toString();
              }

              // Real tiles only: a generation's placeholder (generate.js) has no id until its image lands.
              function tiles() { return [...grid.querySelectorAll(":scope > li.tile[data-id]")]; }

              function decorate(tile) {
                if (tile.querySelector(":scope > .select-box")) return;
                const box = make("input", { type: "checkbox", className: "select-box", title: "Select" });
                box.setAttribute("aria-label", "select image " + tile.dataset.id);
                tile.prepend(box);
                if (everything) selected.add(tile.dataset.id);
                paint(tile);
              }

              function paint(tile) {
                const on = everything || selected.has(tile.dataset.id);
                tile.classList.toggle("selected", on);
                const box = tile.querySelector(":scope > .select-box");
                if (box) box.checked = on;
              }

              function count() { return everything ? total() : selected.size; }

              // The toolbar, made once.
              const options = (name) => [...document.querySelectorAll('.filters select[name="' + name + '"] option')];
              const tagChoices = options("tag").map((o) => o.value);
              const collectionChoices = options("in").map((o) => o.value);
              function datalist(id, values) {
                const choices = values.filter(Boolean).map((value) => make("option", { value: value }));
                return make("datalist", { id: id }, ...choices);
              }
              const countText = make("span", { className: "select-count", id: "select-count" });
              const allButton = make("button", { type: "button", id: "select-all" });
              const clearButton = make("button", { type: "button", id: "select-clear", title: "Esc" }, "Clear");
              const tagInput = make("input", { name: "tag", placeholder: "tag", maxLength: 100, autocomplete: "off" });
              tagInput.setAttribute("list", "select-tag-choices");
              tagInput.setAttribute("aria-label", "Tag to add or remove");
              const tagForm = make("form", { className: "bulk-tag", id: "bulk-tag" }, tagInput,
                make("button", { type: "submit", textContent: "Tag" }),
                make("button", { type: "button", className: "untag", textContent: "Untag" }),
                datalist("select-tag-choices", tagChoices));
              const collectionInput =
                make("input", { name: "name", placeholder: "collection", maxLength: 100, autocomplete: "off" });
              collectionInput.setAttribute("list", "select-collection-choices");
              collectionInput.setAttribute("aria-label", "Collection to add to or remove from");
              const collectionForm = make("form", { className: "bulk-collection", id: "bulk-collection" },
                collectionInput,
                make("button", { type: "submit", textContent: "Add" }),
                make("button", { type: "button", className: "uncollect", textContent: "Remove" }),
                datalist("select-collection-choices", collectionChoices));
              const rate = make("select", { id: "bulk-rate" },
                make("option", { value: "", textContent: "Rate…" }),
                ...[5, 4, 3, 2, 1].map((value) => make("option", { value: String(value) }, "★".repeat(value))),
                make("option", { value: "0", textContent: "no rating" }));
              rate.setAttribute("aria-label", "Rate the selection");
              function actionButton(action, text, title) {
                const button = make("button", { type: "button", textContent: text, title: title });
                button.dataset.action = action;
                return button;
              }
              const compare = make("a", { className: "button", id: "bulk-compare", textContent: "Compare" });
              const downloadIDs = hidden("ids", "");
              const downloadQuery = hidden("query", "");
              function downloadForm(id, ...fields) {
                return make("form", { method: "post", action: "/download", className: "download", id: id }, ...fields);
              }
              const download = downloadForm("bulk-download", hidden("token", token), downloadIDs, downloadQuery,
                make("button", { type: "submit", textContent: "Download zip" }));
              const status = make("span", { className: "select-status", id: "select-status", role: "status" });
              status.setAttribute("aria-live", "polite");
              const bar = make("div", { className: "select-bar", id: "select-bar", hidden: true },
                countText, allButton, clearButton, tagForm, collectionForm, rate,
                actionButton("fav", "♥", "favourite"), actionButton("unfav", "♡", "not favourite"),
                actionButton("pick", "✓ Pick", "pick"), actionButton("reject", "✗ Reject", "reject"),
                actionButton("unpick", "○", "neither picked nor rejected"),
                compare, download, actionButton("delete", "Delete", "move to the trash (with Undo)"), status);
              bar.setAttribute("role", "toolbar");
              bar.setAttribute("aria-label", "Selection");
              document.body.append(bar);

              function say(text, isError, undo) {
                status.replaceChildren(text);
                status.classList.toggle("error-text", Boolean(isError));
                if (undo) status.append(" ", undo);
              }

              function refresh() {
                const n = count();
                bar.hidden = n === 0 && !status.textContent;
                document.body.classList.toggle("selecting", n > 0);
                countText.textContent =
                  everything ? "All " + plural(n, "image") + " matching" : plural(n, "image") + " selected";
                allButton.hidden = everything || total() <= selected.size;
                allButton.textContent = "Select all " + total().toLocaleString("en") + " matching";
                const comparable = !everything && n >= 2 && n <= 4;
                compare.hidden = !comparable;
                if (comparable) compare.href = "/compare?ids=" + [...selected].join(",");
                for (const control of bar.querySelectorAll("button, select, input")) {
                  // The status's own Undo stays usable: it acts on the images just deleted.
                  if (control === clearButton || control.type === "hidden" || status.contains(control)) continue;
                  control.disabled = n === 0;
                }
              }

              function clear() {
                selected.clear();
                everything = false;
                anchor = null;
                tiles().forEach(paint);
                refresh();
              }

              function leaveEverything() {
                // Changing one tile of "all matching" makes it a list of the tiles loaded.
                if (!everything) return;
                everything = false;
                tiles().forEach((tile) => selected.add(tile.dataset.id));
              }

              function toggle(tile) {
                leaveEverything();
                const id = tile.dataset.id;
                if (selected.has(id)) selected.delete(id); else selected.add(id);
                anchor = tile;
                paint(tile);
                refresh();
              }

              function range(tile) {
                leaveEverything();
                const list = tiles();
                const from = anchor && list.includes(anchor) ? list.indexOf(anchor) : list.indexOf(tile);
                const to = list.indexOf(tile);
                for (const each of list.slice(Math.min(from, to), Math.max(from, to) + 1)) {
                  selected.add(each.dataset.id);
                  paint(each);
                }
                anchor = tile;
                refresh();
              }

              // Capture: runs before any tile handler (the lightbox's), which a selecting click must not reach.
              document.addEventListener("click", (event) => {
                const tile = event.target.closest("#grid > li.tile[data-id]");
                if (!tile) return;
                const onBox = event.target.classList.contains("select-box");
                if (!onBox && !event.ctrlKey && !event.metaKey && !event.shiftKey) return;
                if (!onBox) event.preventDefault();
                event.stopImmediatePropagation();
                if (event.shiftKey) range(tile); else toggle(tile);
              }, true);

              document.addEventListener("keydown", (event) => {
                if (event.key !== "Escape" || event.defaultPrevented || count() === 0) return;
                // The lightbox, or any open dialog, takes Esc first.
                if (document.querySelector("dialog[open], .lightbox:not([hidden]), [data-lightbox-open]")) return;
                if (event.target.closest && event.target.closest("input, select, textarea")) return;
                event.preventDefault();
                clear();
                say("");
                refresh();
              });

              tiles().forEach(decorate);
              new MutationObserver(() => { tiles().forEach(decorate); refresh(); }).observe(grid, { childList: true });

              allButton.addEventListener("click", () => {
                everything = true;
                tiles().forEach(paint);
                refresh();
              });
              clearButton.addEventListener("click", () => { clear(); say(""); refresh(); });

              function target() {
                return everything ? { query: gridQuery() } : { ids: [...selected].map(Number) };
              }

              // One bulk action: asks first above 20 images, as the CLI does.
              async function bulk(action, body, verb) {
                const n = count();
                if (n === 0) return null;
                if (n > 20 && !window.confirm(verb + " " + plural(n, "image") + "?")) return null;
                say("Working…");
                let result = await api("/api/bulk/" + action, Object.assign({}, body, target(), { confirm: n > 20 }));
                if (result.status === 409 && result.json && result.json.confirm) {
                  if (!window.confirm(result.message)) { say("Nothing changed."); return null; }
                  result = await api("/api/bulk/" + action, Object.assign({}, body, target(), { confirm: true }));
                }
                if (!result.ok) { say(result.message, true); return null; }
                return result.json;
              }

              function loaded(ids) {
                const wanted = new Set(ids.map(String));
                return tiles().filter((tile) => wanted.has(tile.dataset.id));
              }

              function badges(tile) {
                const parts = [];
                const rating = Number(tile.dataset.rating || 0);
                function badge(className, title, text) {
                  return make("span", { className: className, title: title }, text);
                }
                if (rating > 0) parts.push(badge("stars", "rating " + rating, "★".repeat(rating)));
                if (tile.dataset.fav === "1") parts.push(badge("fav", "favourite", "♥"));
                if (tile.dataset.pick === "picked") parts.push(badge("pick", "picked", "✓"));
                if (tile.dataset.pick === "rejected") parts.push(badge("pick", "rejected", "✗"));
                let box = tile.querySelector(":scope > .badges");
                if (!box) { box = make("span", { className: "badges" }); tile.append(box); }
                box.replaceChildren(...parts);
              }

              function done(data, text) {
                say(text.replace("N", plural(data.count, "image")) + ".");
                refresh();
              }

              tagForm.addEventListener("submit", async (event) => {
                event.preventDefault();
                const name = tagInput.value.trim();
                if (!name) return;
                const data = await bulk("tag", { add: [name] }, "Tag");
                if (data) done(data, "Tagged N “" + name + "”");
              });
              tagForm.querySelector(".untag").addEventListener("click", async () => {
                const name = tagInput.value.trim();
                if (!name) return;
                const data = await bulk("tag", { remove: [name] }, "Untag");
                if (data) done(data, "Removed “" + name + "” from N");
              });
              collectionForm.addEventListener("submit", async (event) => {
                event.preventDefault();
                const name = collectionInput.value.trim();
                if (!name) return;
                const data = await bulk("collection", { name: name }, "Add to “" + name + "”");
                if (data) done(data, "Added N to “" + name + "”");
              });
              collectionForm.querySelector(".uncollect").addEventListener("click", async () => {
                const name = collectionInput.value.trim();
                if (!name) return;
                const data = await bulk("collection", { name: name, remove: true }, "Remove from “" + name + "”");
                if (!data) return;
                // When the grid shows this collection, the images removed leave it.
                const shown = new URLSearchParams(gridQuery()).get("in");
                if (shown && shown.trim().toLowerCase() === name.toLowerCase()) {
                  loaded(data.ids).forEach((tile) => { selected.delete(tile.dataset.id); tile.remove(); });
                }
                done(data, "Removed N from “" + name + "”");
              });
              rate.addEventListener("change", async () => {
                if (rate.value === "") return;
                const value = Number(rate.value);
                rate.value = "";
                const data = await bulk("rate", { rating: value }, "Rate");
                if (!data) return;
                loaded(data.ids).forEach((tile) => { tile.dataset.rating = String(value); badges(tile); });
                done(data, value ? "Rated N " + "★".repeat(value) : "Cleared the rating of N");
              });
              bar.addEventListener("click", async (event) => {
                const button = event.target.closest("button[data-action]");
                if (!button) return;
                const action = button.dataset.action;
                if (action === "fav" || action === "unfav") {
                  const favorite = action === "fav";
                  const data = await bulk("favorite", { favorite: favorite }, favorite ? "Favourite" : "Unfavourite");
                  if (!data) return;
                  loaded(data.ids).forEach((tile) => { tile.dataset.fav = favorite ? "1" : "0"; badges(tile); });
                  done(data, favorite ? "Marked N as favourites" : "Unmarked N");
                } else if (action === "pick" || action === "reject" || action === "unpick") {
                  const pick = { pick: "picked", reject: "rejected", unpick: "none" }[action];
                  const verb = { pick: "Pick", reject: "Reject", unpick: "Clear the pick of" }[action];
                  const data = await bulk("pick", { pick: pick }, verb);
                  if (!data) return;
                  loaded(data.ids).forEach((tile) => { tile.dataset.pick = pick; badges(tile); });
                  done(data, { pick: "Picked N", reject: "Rejected N", unpick: "Cleared the pick of N" }[action]);
                } else if (action === "delete") {
                  const n = count();
                  if (n <= 20 && !window.confirm("Move " + plural(n, "image") + " to the trash?")) return;
                  const data = await bulk("delete", {}, "Move to the trash:");
                  if (!data) return;
                  loaded(data.ids).forEach((tile) => tile.remove());
                  if (totalElement) totalElement.textContent = Math.max(0, total() - data.count).toLocaleString("en");
                  clear();
                  const undo = make("button", { type: "button", className: "undo", id: "select-undo" }, "Undo");
                  undo.addEventListener("click", async () => {
                    undo.disabled = true;
                    say("Restoring…");
                    const result = await api("/api/bulk/restore", { ids: data.ids });
                    if (!result.ok) { say(result.message, true); return; }
                    say("Restored " + plural(result.json.count, "image") + ".");
                    location.reload();
                  });
                  say("Moved " + plural(data.count, "image") + " to the trash.", false, undo);
                  refresh();
                  bar.hidden = false;
                }
              });
              download.addEventListener("submit", () => {
                downloadIDs.disabled = everything;
                downloadQuery.disabled = !everything;
                downloadIDs.value = everything ? "" : [...selected].join(",");
                downloadQuery.value = everything ? gridQuery() : "";
                say("Preparing the zip (" + plural(count(), "image") + ")…");
              });

              // Without a selection, the whole search (or collection) downloads from the summary line.
              const summary = totalElement && totalElement.closest(".summary");
              if (summary && total() > 0) {
                const wholeButton = make("button", { type: "submit" });
                // The count follows the summary's: images that land from the prompt bar count in.
                const label = () => {
                  const n = total();
                  wholeButton.textContent = "Download all " + (n === 1 ? "" : n.toLocaleString("en") + " ") + "as zip";
                };
                label();
                new MutationObserver(label)
                  .observe(totalElement, { childList: true, characterData: true, subtree: true });
                const whole = downloadForm("download-all",
                  hidden("token", token), hidden("query", gridQuery()), wholeButton);
                summary.append(" ", whole);
              }
              refresh();
            })();
            """#)

    static let selectStyle = StaticAsset(
        name: "select.css", contentType: "text/css; charset=utf-8",
        body: """
            .tile > .select-box { position: absolute; top: 7px; left: 7px; z-index: 1; width: 20px; height: 20px; \
            margin: 0; padding: 0; cursor: pointer; accent-color: var(--accent); opacity: 0; }
            .tile:hover > .select-box, .tile > .select-box:focus-visible, .tile > .select-box:checked, \
            .selecting .tile > .select-box { opacity: 1; }
            @media (hover: none) { .tile > .select-box { opacity: 0.8; } }
            .tile > .select-box ~ .stack-count { left: 34px; }
            .tile.selected { border-color: var(--accent); box-shadow: 0 0 0 2px var(--accent); }
            .tile.selected img { opacity: 0.82; }
            .select-bar { position: fixed; left: 0; right: 0; bottom: 0; z-index: 5; display: flex; flex-wrap: wrap; \
            gap: 6px 10px; align-items: center; padding: 8px 16px; background: rgba(26, 29, 33, 0.97); \
            border-top: 1px solid var(--line); font-size: 14px; box-shadow: 0 -6px 20px rgba(0, 0, 0, 0.4); }
            .select-bar[hidden] { display: none; }
            .select-bar form { display: inline-flex; gap: 4px; margin: 0; }
            .select-bar input { width: 9em; padding: 4px 7px; }
            .select-bar button, .select-bar select, .select-bar .button { padding: 4px 10px; }
            .select-count { font-weight: 600; margin-right: 4px; }
            .select-bar [data-action=delete] { border-color: #6a3434; color: var(--error); }
            .select-status { color: var(--muted); }
            .error-text { color: var(--error); }
            .select-bar button:disabled, .select-bar select:disabled, .select-bar input:disabled { opacity: 0.45; \
            cursor: default; }
            a.button { display: inline-block; background: var(--tile); border: 1px solid var(--line); border-radius: \
            6px; padding: 5px 12px; color: var(--text); }
            a.button:hover { border-color: var(--accent); text-decoration: none; }
            a.button[hidden] { display: none; }
            body.selecting main { padding-bottom: 140px; }
            form.download { display: inline; margin: 0; }
            .summary form.download button { font-size: 13px; padding: 2px 10px; margin-left: 6px; }

            .collection-create { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; margin: 0 0 16px; }
            .collection-create input[name=query] { flex: 0 1 22em; }
            .collection-manage { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; font-size: 13px; }
            .collection-manage button, .collection-manage .button { padding: 3px 9px; font-size: 13px; }
            .collection-manage.card { padding: 0 9px 9px; }
            .collection-manage.heading { margin: -6px 0 14px; }
            .collection-manage .delete { color: var(--error); }
            .rename-form { display: flex; gap: 4px; flex-basis: 100%; }
            .rename-form[hidden] { display: none; }
            .rename-form { min-width: 0; width: 100%; }
            .rename-form input { flex: 1 1 auto; width: 0; min-width: 0; padding: 3px 7px; }
            .collection-status { color: var(--muted); font-size: 13px; }
            .tile.collection > a { height: auto; }

            .arrange { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column; gap: 6px; \
            max-width: 900px; }
            .arrange-item { display: flex; align-items: center; gap: 12px; background: var(--tile); border: 1px solid \
            var(--line); border-radius: 8px; padding: 6px 10px; cursor: grab; }
            .arrange-item img { width: 64px; height: 64px; object-fit: contain; background: #0c0d0f; border-radius: \
            4px; }
            .arrange-item a { flex: 1 1 auto; min-width: 0; color: var(--text); overflow-wrap: anywhere; font-size: \
            13px; }
            .arrange-item .place { width: 2.5em; text-align: right; color: var(--muted); font-variant-numeric: \
            tabular-nums; }
            .arrange-item .move { display: flex; gap: 4px; }
            .arrange-item.dragging { opacity: 0.4; }
            .arrange-item.drop-before { box-shadow: 0 -3px 0 var(--accent); }
            .arrange-item.drop-after { box-shadow: 0 3px 0 var(--accent); }
            @media (max-width: 600px) {
              /* One row that scrolls sideways: the grid keeps most of a phone's height. */
              .select-bar { flex-wrap: nowrap; overflow-x: auto; padding: 6px 8px; gap: 6px; font-size: 13px; }
              .select-bar > * { flex: 0 0 auto; }
              .select-bar input { width: 7em; }
              .select-status:empty { display: none; }
              body.selecting main { padding-bottom: 90px; }
            }
            """)
}
