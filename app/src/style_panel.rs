//! The style panel: stroke colour, fill, stroke width, arrow type, dash, sloppiness (the
//! hand-drawn look), font and font size, and opacity for the selection (or for new shapes),
//! where the selected shapes differ ("Mixed"), and what can be done with the selection
//! (layers, duplicate, delete, group, lock, its link, align, distribute). A locked selection
//! shows only what works on it: unlock, and its link.

use board::edit::{Align, ZOrder};
use board::{Dash, Font, Sloppiness};
use leptos::prelude::*;

use crate::board_page::Icon;
use crate::lock_link::{LinkEditor, LockButton};
use crate::ui::{send, BoardUi, Command, StyleChange, Tool};

/// Stroke colours offered in the style panel.
const STROKES: [(&str, &str); 6] = [
    ("black", "#1e1e1e"),
    ("red", "#e03131"),
    ("green", "#2f9e44"),
    ("blue", "#1971c2"),
    ("orange", "#f08c00"),
    ("violet", "#6741d9"),
];
/// Fill colours (light, so outlines and text stay readable).
const FILLS: [(&str, &str); 6] = [
    ("white", "#ffffff"),
    ("red", "#ffc9c9"),
    ("green", "#b2f2bb"),
    ("blue", "#a5d8ff"),
    ("yellow", "#ffec99"),
    ("violet", "#e5dbff"),
];
const WIDTHS: [(&str, f64); 3] = [("Thin", 1.0), ("Regular", 2.0), ("Bold", 4.0)];
/// Font sizes: name, what the button shows, size in board units.
const FONT_SIZES: [(&str, &str, f64); 4] = [
    ("Small", "S", 16.0),
    ("Medium", "M", 20.0),
    ("Large", "L", 28.0),
    ("Extra large", "XL", 40.0),
];

/// Sloppiness, as Excalidraw names it: name, what it means, the sample line the button shows.
const SLOPPINESS: [(Sloppiness, &str, &str, &str); 3] = [
    (
        Sloppiness::Architect,
        "Architect",
        "clean lines",
        "M4 12h16",
    ),
    (
        Sloppiness::Artist,
        "Artist",
        "hand-drawn",
        "M4 13c3-2.5 5 .5 8-1s5 .5 8-1M4 11.5c3-1.5 6 .5 8-.5s5-.5 8 0",
    ),
    (
        Sloppiness::Cartoonist,
        "Cartoonist",
        "very hand-drawn",
        "M4 14c2-5 4 2 6-2s4 3 6-2 3 2 4 0M3.5 11c3 1 4-3 7-1s4 2 6-1 3 0 4 1",
    ),
];
/// Fonts, as Excalidraw names them.
const FONTS: [(Font, &str); 3] = [
    (Font::Hand, "Hand-drawn"),
    (Font::Sans, "Normal"),
    (Font::Mono, "Code"),
];

/// A group of toggle buttons in the style panel. When the selected shapes differ in it
/// (`mixed`), it says so and no button shows as pressed.
#[component]
fn Choice(
    label: &'static str,
    #[prop(optional, into)] mixed: Option<Signal<bool>>,
    children: Children,
) -> impl IntoView {
    let mixed = move || mixed.is_some_and(|m| m.get());
    view! {
        <div role="group" aria-label=label class="choice" data-mixed=move || mixed().to_string()>
            <span class="choice-label" aria-hidden="true">
                {label}
                {move || mixed().then(|| view! { <span class="mixed">" · Mixed"</span> })}
            </span>
            <div class="choice-row">{children()}</div>
        </div>
    }
}

/// Styles for the selection (or for new shapes), and what can be done with the selection.
#[component]
pub fn StylePanel(ui: BoardUi) -> impl IntoView {
    let shown = move || !ui.view_only() && (ui.selected.get() > 0 || ui.tool.get().draws());
    let unlocked = move || !ui.selection_info.with(|i| i.locked);
    let style = ui.style;
    let mix = ui.style_mix;
    // Font size only where there is text: text and note tools, or a selection showing text.
    let text_shown = move || {
        matches!(ui.tool.get(), Tool::Text | Tool::Sticky)
            || (ui.selected.get() > 0 && mix.get().text)
    };
    let swatch = move |name: &'static str, color: &'static str, fill: bool| {
        let label = if fill {
            format!("Fill {name}")
        } else {
            format!("Stroke {name}")
        };
        let pressed = move || {
            let (s, m) = (style.get(), mix.get());
            if fill {
                !m.fill && s.fill.as_deref() == Some(color)
            } else {
                !m.stroke && s.stroke == color
            }
        };
        view! {
            <button type="button" class="swatch" aria-label=label.clone() title=label
                style=format!("--swatch:{color}")
                aria-pressed=move || pressed().to_string()
                on:click=move |_| send(Command::Style(if fill {
                    StyleChange::Fill(Some(color.to_owned()))
                } else {
                    StyleChange::Stroke(color.to_owned())
                }))></button>
        }
    };
    let action = |label: &'static str, command: Command, path: &'static str| {
        view! {
            <button type="button" class="tool" aria-label=label title=label
                on:click=move |_| send(command.clone())>
                <Icon path/>
            </button>
        }
    };
    view! {
        <Show when=shown>
            <aside class="panel style-panel" aria-label="Style">
                <Show when=unlocked>
                <Choice label="Stroke" mixed=Signal::derive(move || mix.get().stroke)>
                    {STROKES.into_iter().map(|(n, c)| swatch(n, c, false)).collect_view()}
                </Choice>
                <Choice label="Fill" mixed=Signal::derive(move || mix.get().fill)>
                    <button type="button" class="swatch none" aria-label="No fill" title="No fill"
                        aria-pressed=move || (!mix.get().fill && style.get().fill.is_none()).to_string()
                        on:click=move |_| send(Command::Style(StyleChange::Fill(None)))></button>
                    {FILLS.into_iter().map(|(n, c)| swatch(n, c, true)).collect_view()}
                </Choice>
                <Choice label="Stroke width" mixed=Signal::derive(move || mix.get().stroke_width)>
                    {WIDTHS.into_iter().map(|(name, w)| view! {
                        <button type="button" class="option" aria-label=format!("Stroke width {name}")
                            title=name
                            aria-pressed=move || (!mix.get().stroke_width && style.get().stroke_width == w).to_string()
                            on:click=move |_| send(Command::Style(StyleChange::StrokeWidth(w)))>
                            <span class="line-sample" style=format!("height:{}px", w.max(1.0))></span>
                        </button>
                    }).collect_view()}
                </Choice>
                <Show when=move || matches!(ui.tool.get(), Tool::Line | Tool::Arrow) || (ui.selected.get() > 0 && mix.get().lines)>
                    <Choice label="Arrow type">
                        <button type="button" class="option" aria-label="Straight" title="Straight"
                            aria-pressed=move || (!style.get().elbow).to_string()
                            on:click=move |_| send(Command::Style(StyleChange::Elbow(false)))>
                            <Icon path="M5 19L19 5"/>
                        </button>
                        <button type="button" class="option" aria-label="Elbow" title="Elbow: right angles round the shapes it joins"
                            aria-pressed=move || style.get().elbow.to_string()
                            on:click=move |_| send(Command::Style(StyleChange::Elbow(true)))>
                            <Icon path="M5 19v-7h14V5"/>
                        </button>
                    </Choice>
                </Show>
                <Choice label="Dash" mixed=Signal::derive(move || mix.get().dash)>
                    {Dash::ALL.into_iter().map(|d| {
                        let name = match d { Dash::Solid => "Solid", Dash::Dashed => "Dashed", Dash::Dotted => "Dotted" };
                        view! {
                            <button type="button" class="option" aria-label=format!("Dash {name}")
                                title=name
                                aria-pressed=move || (!mix.get().dash && style.get().dash == d).to_string()
                                on:click=move |_| send(Command::Style(StyleChange::Dash(d)))>
                                <span class=format!("line-sample {}", d.as_str())></span>
                            </button>
                        }
                    }).collect_view()}
                </Choice>
                <Choice label="Sloppiness" mixed=Signal::derive(move || mix.get().sloppiness)>
                    {SLOPPINESS.into_iter().map(|(sl, name, means, path)| view! {
                        <button type="button" class="option" aria-label=format!("Sloppiness {name}")
                            title=format!("{name}: {means}")
                            aria-pressed=move || (!mix.get().sloppiness && style.get().sloppiness == sl).to_string()
                            on:click=move |_| send(Command::Style(StyleChange::Sloppiness(sl)))>
                            <Icon path/>
                        </button>
                    }).collect_view()}
                </Choice>
                <Show when=text_shown>
                    <Choice label="Font" mixed=Signal::derive(move || mix.get().font)>
                        {FONTS.into_iter().map(|(f, name)| view! {
                            <button type="button" class="option font-sample" aria-label=format!("Font {name}")
                                title=name style=format!("font-family:{}", board::svg::family(f))
                                aria-pressed=move || (!mix.get().font && style.get().font_family == f).to_string()
                                on:click=move |_| send(Command::Style(StyleChange::Font(f)))>
                                "Aa"
                            </button>
                        }).collect_view()}
                    </Choice>
                    <Choice label="Font size" mixed=Signal::derive(move || mix.get().font_size)>
                        {FONT_SIZES.into_iter().map(|(name, short, f)| view! {
                            <button type="button" class="option" aria-label=format!("Font size {name}")
                                title=name
                                aria-pressed=move || (!mix.get().font_size && style.get().font_size == f).to_string()
                                on:click=move |_| send(Command::Style(StyleChange::FontSize(f)))>
                                {short}
                            </button>
                        }).collect_view()}
                    </Choice>
                </Show>
                <label class="choice" data-mixed=move || mix.get().opacity.to_string()>
                    <span class="choice-label">
                        "Opacity"
                        {move || mix.get().opacity.then(|| view! { <span class="mixed">" · Mixed"</span> })}
                    </span>
                    <input type="range" min="10" max="100" step="10" aria-label="Opacity"
                        prop:value=move || (style.get().opacity * 100.0).round().to_string()
                        on:change=move |ev| {
                            if let Ok(v) = event_target_value(&ev).parse::<f64>() {
                                send(Command::Style(StyleChange::Opacity(v / 100.0)));
                            }
                        }/>
                </label>
                </Show>
                <Show when=move || { ui.selected.get() > 0 && unlocked() }>
                    <Choice label="Layers">
                        {action("Send to back", Command::Order(ZOrder::Back), "M12 4v12m-4-4l4 4 4-4M5 20h14")}
                        {action("Send backward", Command::Order(ZOrder::Backward), "M12 5v14m-5-5l5 5 5-5")}
                        {action("Bring forward", Command::Order(ZOrder::Forward), "M12 19V5m-5 5l5-5 5 5")}
                        {action("Bring to front", Command::Order(ZOrder::Front), "M12 20V8m-4 4l4-4 4 4M5 4h14")}
                    </Choice>
                </Show>
                <Show when=move || { ui.selected.get() > 0 }>
                    <Choice label="Actions">
                        <Show when=unlocked>
                            {action("Duplicate", Command::Duplicate, "M8 8h12v12H8zM4 16V4h12")}
                            {action("Delete", Command::Delete, "M5 7h14M10 7V4h4v3m-7 0l1 13h8l1-13")}
                            {action("Group", Command::Group, "M3 3h7v7H3zM14 14h7v7h-7zM10 6.5h4v11")}
                            {action("Ungroup", Command::Ungroup, "M3 3h7v7H3zM14 14h7v7h-7z")}
                        </Show>
                        <LockButton ui/>
                    </Choice>
                </Show>
                <Show when=move || ui.selection_info.with(|i| i.single.is_some())>
                    <LinkEditor ui/>
                </Show>
                <Show when=move || { ui.selected.get() > 1 && unlocked() }>
                    <Choice label="Align">
                        {action("Align left", Command::Align(Align::Left), "M4 3v18M8 7h10M8 15h6")}
                        {action("Align centre", Command::Align(Align::CenterX), "M12 3v18M6 7h12M8 15h8")}
                        {action("Align right", Command::Align(Align::Right), "M20 3v18M6 7h10M10 15h6")}
                        {action("Align top", Command::Align(Align::Top), "M3 4h18M7 8v10M15 8v6")}
                        {action("Align middle", Command::Align(Align::CenterY), "M3 12h18M7 6v12M15 8v8")}
                        {action("Align bottom", Command::Align(Align::Bottom), "M3 20h18M7 6v10M15 10v6")}
                    </Choice>
                </Show>
                <Show when=move || { ui.selected.get() > 2 && unlocked() }>
                    <Choice label="Distribute">
                        {action("Distribute horizontally", Command::Distribute { horizontal: true }, "M4 4v16M20 4v16M10 8h4v8h-4z")}
                        {action("Distribute vertically", Command::Distribute { horizontal: false }, "M4 4h16M4 20h16M8 10h8v4H8z")}
                    </Choice>
                </Show>
            </aside>
        </Show>
    }
}
