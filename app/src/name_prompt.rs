//! Asking a person's name once: on their first board, a small card over the canvas shows the
//! name others see (a friendly suggestion) in a field to change it. "OK", Enter, Escape or
//! simply starting to draw keeps what is there; either way this browser remembers that it
//! asked, and the name field in the top bar changes it later. The card does not block the
//! board: only its field and buttons take the pointer.

use leptos::prelude::*;

use crate::ui::BoardUi;

/// The card, while `open`.
#[component]
pub fn NamePrompt(ui: BoardUi, open: RwSignal<bool>) -> impl IntoView {
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| open.set(!crate::recent::name_asked()));
    let done = move || {
        open.set(false);
        #[cfg(feature = "hydrate")]
        crate::recent::remember_name_asked();
    };
    view! {
        <Show when=move || open.get()>
            <section class="name-prompt" aria-labelledby="name-prompt-title">
                <h2 id="name-prompt-title">"What should others call you?"</h2>
                <div class="row">
                    <input
                        type="text"
                        maxlength="40"
                        aria-label="Name shown to others"
                        prop:value=move || ui.user_name.get()
                        on:input=move |ev| ui.user_name.set(event_target_value(&ev))
                        on:keydown=move |ev| {
                            if ev.key() == "Enter" || ev.key() == "Escape" {
                                ev.prevent_default();
                                done();
                            }
                        }
                    />
                    <button type="button" class="primary" on:click=move |_| done()>"OK"</button>
                </div>
            </section>
        </Show>
    }
}

/// Closes the card as answered when a press lands on the canvas (the person started drawing
/// with the suggested name).
pub fn dismiss_from(ev: &leptos::ev::PointerEvent, open: RwSignal<bool>) {
    #[cfg(feature = "hydrate")]
    {
        use leptos::wasm_bindgen::JsCast;
        let on_canvas = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .is_some_and(|el| el.tag_name() == "CANVAS");
        if on_canvas && open.get_untracked() {
            open.set(false);
            crate::recent::remember_name_asked();
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (ev, open);
}
