//! Presenting the board's frames as slides: the Present and Slides buttons, the slides panel
//! (the order frames are shown in, changed with buttons, shared with everyone on the board),
//! the controls shown during the show, and the offer to follow someone who presents.
//!
//! The show itself (which frame, fitted to the window, the slide keys) is the engine's
//! (`engine::engine::present`); the page goes full screen when the browser allows it and
//! hides its controls (`data-presenting` on the page, see `style/main.css`).

use leptos::prelude::*;

use crate::board_page::Icon;
use crate::ui::{send, BoardUi, Command};

/// Asks for full screen (the click that started the show allows it); refused quietly.
fn enter_full_screen() {
    #[cfg(feature = "hydrate")]
    if let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        let _ = root.request_fullscreen();
    }
}

/// Starts the show from `from` (a frame id), else from the first slide.
fn start(from: Option<String>) {
    enter_full_screen();
    send(Command::Present(from));
}

/// The Present and Slides buttons of the top bar's overflow area.
#[component]
pub fn PresentButtons(ui: BoardUi, on_pick: impl Fn() + Copy + 'static) -> impl IntoView {
    view! {
        <button type="button" class="tool" aria-label="Present"
            title="Present: show the frames one by one as slides"
            on:click=move |_| {
                on_pick();
                start(None);
            }>
            <Icon path="M4 5h16v11H4zM12 16v4M8 20h8M10 8.5v4l3.5-2z"/>
        </button>
        <button type="button" class="tool" aria-label="Slides"
            title="Slides: the order frames are presented in"
            aria-expanded=move || ui.slides_open.get().to_string()
            on:click=move |_| {
                on_pick();
                ui.slides_open.update(|open| *open = !*open);
            }>
            <Icon path="M8 6h12M8 12h12M8 18h12M4 6h.01M4 12h.01M4 18h.01"/>
        </button>
    }
}

/// The frames in slide order, with buttons to move them and to present from any of them.
#[component]
pub fn SlidesPanel(ui: BoardUi) -> impl IntoView {
    let editable = move || !ui.view_only();
    view! {
        <aside class="slides-panel panel" aria-label="Slides" hidden=move || !ui.slides_open.get()
            on:keydown=move |ev| if ev.key() == "Escape" { ui.slides_open.set(false) }>
            <div class="dialog-head">
                <h2>"Slides"</h2>
                <button type="button" class="tool" aria-label="Close slides"
                    on:click=move |_| ui.slides_open.set(false)>
                    <Icon path="M6 6l12 12M18 6L6 18"/>
                </button>
            </div>
            <p class="hint">
                {move || if ui.slides.with(Vec::is_empty) {
                    "No frames yet: draw one with the Frame tool (F). Each frame is one slide."
                } else {
                    "Each frame is one slide, shown in this order to everyone who presents."
                }}
            </p>
            <ol class="slides">
                {move || {
                    let slides = ui.slides.get();
                    let n = slides.len();
                    slides
                        .into_iter()
                        .enumerate()
                        .map(|(i, (id, name))| {
                            let (up, down, from) = (id.clone(), id.clone(), id);
                            view! {
                                <li>
                                    <span class="slide-name">{name.clone()}</span>
                                    <button type="button" class="tool" aria-label=format!("Move {name} earlier")
                                        disabled=move || i == 0 || !editable()
                                        on:click=move |_| send(Command::MoveSlide { id: up.clone(), by: -1 })>
                                        <Icon path="M6 15l6-6 6 6"/>
                                    </button>
                                    <button type="button" class="tool" aria-label=format!("Move {name} later")
                                        disabled=move || i + 1 == n || !editable()
                                        on:click=move |_| send(Command::MoveSlide { id: down.clone(), by: 1 })>
                                        <Icon path="M6 9l6 6 6-6"/>
                                    </button>
                                    <button type="button" class="tool" aria-label=format!("Present from {name}")
                                        on:click=move |_| {
                                            ui.slides_open.set(false);
                                            start(Some(from.clone()));
                                        }>
                                        <Icon path="M8 5v14l11-7z"/>
                                    </button>
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ol>
        </aside>
    }
}

/// During the show: which slide this is, and previous, next and stop.
#[component]
pub fn SlideControls(ui: BoardUi) -> impl IntoView {
    #[cfg(feature = "hydrate")]
    {
        // Leaving full screen (Escape there is the browser's) ends the show; the show ending
        // leaves full screen.
        use leptos::wasm_bindgen::{closure::Closure, JsCast};
        let on_change = Closure::<dyn FnMut()>::new(move || {
            let full = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.fullscreen_element())
                .is_some();
            if !full && ui.presenting.get_untracked().is_some() {
                send(Command::StopPresenting);
            }
        });
        if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
            let _ = doc.add_event_listener_with_callback(
                "fullscreenchange",
                on_change.as_ref().unchecked_ref(),
            );
        }
        on_change.forget();
        Effect::new(move |_| {
            if ui.presenting.with(Option::is_none) {
                if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
                    if doc.fullscreen_element().is_some() {
                        doc.exit_fullscreen();
                    }
                }
            }
        });
    }
    view! {
        {move || ui.presenting.get().map(|slide| view! {
            <div class="slide-controls" role="toolbar" aria-label="Presentation">
                <button type="button" class="tool" aria-label="Previous slide" title="Previous slide (←)"
                    disabled=slide.number == 1
                    on:click=move |_| send(Command::SlideStep(-1))>
                    <Icon path="M15 6l-6 6 6 6"/>
                </button>
                <span class="slide-number" aria-live="polite">
                    {format!("{} / {} · {}", slide.number, slide.count, slide.name)}
                </span>
                <button type="button" class="tool" aria-label="Next slide" title="Next slide (→ or Space)"
                    disabled=slide.number == slide.count
                    on:click=move |_| send(Command::SlideStep(1))>
                    <Icon path="M9 6l6 6-6 6"/>
                </button>
                <button type="button" class="tool" aria-label="Stop presenting" title="Stop presenting (Esc)"
                    on:click=move |_| send(Command::StopPresenting)>
                    <Icon path="M6 6l12 12M18 6L6 18"/>
                </button>
            </div>
        })}
    }
}

/// Someone else presents and we do not follow them yet: offer to.
#[component]
pub fn FollowPresenter(ui: BoardUi) -> impl IntoView {
    let declined = RwSignal::new(None::<u64>);
    let presenter = move || {
        if ui.presenting.with(Option::is_some) {
            return None;
        }
        ui.peers.with(|peers| {
            peers
                .iter()
                .find(|p| p.presenting && !p.followed && declined.get() != Some(p.id))
                .map(|p| (p.id, p.name.clone()))
        })
    };
    view! {
        {move || presenter().map(|(id, name)| view! {
            <div class="presenter-offer" role="status">
                <span>{format!("{name} is presenting")}</span>
                <button type="button" on:click=move |_| send(Command::Follow(Some(id)))>"Follow"</button>
                <button type="button" on:click=move |_| declined.set(Some(id))>"Not now"</button>
            </div>
        })}
    }
}
