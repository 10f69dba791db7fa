extension StaticAssets {
    /// `generate.css`: the prompt bar, placeholder tiles, the image page's generate actions and
    /// the Tasks page.
    static let generateCSS = StaticAsset(
        name: "generate.css", contentType: "text/css; charset=utf-8",
        body: """
            .prompt-bar { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; \
            padding: 12px 14px; margin: 0 0 16px; display: flex; flex-direction: column; gap: 8px; }
            .prompt-bar textarea, .gen-variant textarea { width: 100%; resize: vertical; font: inherit; \
            color: inherit; background: var(--bg); border: 1px solid var(--line); border-radius: 6px; \
            padding: 7px 10px; }
            .gen-options { display: flex; flex-wrap: wrap; gap: 8px 14px; align-items: center; font-size: 13px; }
            .gen-options label span, .gen-variant label span { color: var(--muted); margin-right: 5px; }
            .gen-options input { width: 11em; padding: 3px 6px; }
            .gen-options select { padding: 3px 6px; }
            .gen-refs summary { color: var(--muted); cursor: pointer; }
            .gen-refs input { display: block; width: min(32em, 80vw); margin-top: 4px; padding: 3px 6px; }
            #gen-submit { margin-left: auto; background: #23406b; border-color: #3b6cb0; font-weight: 600; }
            .gen-cost, .gen-status { margin: 0; font-size: 13px; color: var(--muted); }
            .gen-cost.error, .gen-status.error { color: var(--error); background: none; border: 0; padding: 0; }
            .gen-confirm { margin: 0; padding: 8px 10px; border: 1px solid var(--gold); border-radius: 8px; \
            background: #2a2413; }
            .gen-confirm[hidden] { display: none; }
            #gen-confirm-yes { background: #3d3214; border-color: var(--gold); font-weight: 600; }

            .tile.placeholder { border-style: dashed; border-color: var(--accent); }
            .ph-box { display: flex; align-items: center; justify-content: center; width: 100%; aspect-ratio: 1; \
            background: linear-gradient(110deg, #16181b 30%, #22272e 50%, #16181b 70%); background-size: 200% 100%; \
            animation: ph-shimmer 1.4s linear infinite; }
            .ph-stage { background: rgba(0, 0, 0, 0.7); border-radius: 10px; padding: 2px 10px; font-size: 12.5px; \
            color: var(--accent); max-width: 90%; overflow-wrap: anywhere; text-align: center; }
            .tile.placeholder.failed { border-color: var(--error); }
            .tile.placeholder.failed .ph-box { animation: none; background: #2a1a1a; }
            .tile.placeholder.failed .ph-stage { color: var(--error); }
            @keyframes ph-shimmer { to { background-position: -200% 0; } }
            @media (prefers-reduced-motion: reduce) { .ph-box { animation: none; } }

            .gen-actions { display: flex; flex-direction: column; gap: 8px; align-items: flex-start; }
            .gen-actions .gen-confirm, .gen-actions .gen-status, .gen-variant { align-self: stretch; }
            .gen-variant { display: flex; flex-direction: column; gap: 6px; align-items: flex-start; }
            .muted { color: var(--muted); }

            .tasks { width: 100%; border-collapse: collapse; font-size: 13.5px; }
            .tasks th { text-align: left; color: var(--muted); font-weight: 500; border-bottom: 1px solid var(--line); \
            padding: 6px 10px 6px 0; }
            .tasks td { padding: 8px 10px 8px 0; border-bottom: 1px solid var(--line); vertical-align: top; \
            overflow-wrap: anywhere; }
            .tasks .stage, .tasks button { white-space: nowrap; }
            .tasks .stage { color: var(--accent); }
            .tasks tr.failed .stage, .tasks .reason { color: var(--error); }
            @media (max-width: 600px) { .gen-options input { width: 100%; } #gen-submit { margin-left: 0; } \
            .tasks thead { display: none; } .tasks td { display: block; border: 0; padding: 2px 0; } \
            .tasks tr { display: block; border-bottom: 1px solid var(--line); padding: 8px 0; } }
            """)
}
