"""The details tab where a workshop leader switches the model's declared policies on and off, from now on."""

from __future__ import annotations

import html

import solara

from plc_sim.app.model import shock_targets, target_of
from plc_sim.app.policies import PolicyView, policy_help
from plc_sim.app.session import Session
from simulation.interventions import INTERVENTIONS


@solara.component
def PoliciesPanel(session: Session, policies: tuple[PolicyView, ...], n_schools: int, failed: bool,
                  target: solara.Reactive[str]):
    """One card per declared intervention (its meaning, arguments and source), started for the chosen schools
    from next month; the running ``policies``, each with a Stop button."""
    choices = shock_targets(n_schools)
    chosen = target.value if target.value in choices else choices[0]
    running = {(view.name, target_of(view.schools)) for view in policies}
    solara.Text("Policies a district can fund. Each starts next month in the schools chosen here (or in 'Who is "
                "hit' above) and runs until you stop it; when comparing, it runs in both scenarios. The log says "
                "when each began and ended.", classes=["plc-caption"])
    solara.Select(label="Which schools", value=chosen, values=choices, on_value=target.set,
                  classes=["plc-policy-target"], style="max-width: 220px")
    with solara.Div(classes=["plc-running-slot"]):  # always drawn, so the cards after it keep their widgets
        if policies:
            solara.HTML(tag="h3", unsafe_innerHTML="Running now", classes=["plc-group-title"])
        for view in policies:
            with solara.Row(classes=["plc-running"], style="align-items: center; gap: 10px"):
                solara.Text(f"{view.label[0].upper() + view.label[1:]} in {view.where}, from {view.since}",
                            classes=["plc-caption"])
                solara.Button("Stop", outlined=True, classes=["plc-policy-stop", f"plc-policy-stop-{view.name}"],
                              on_click=lambda view=view: session.policy(view.name, target_of(view.schools), False))
    with solara.Row(style="flex-wrap: wrap; gap: 18px; align-items: flex-start"):
        for name, kind in INTERVENTIONS.items():
            with solara.Column(classes=["plc-group"], style="min-width: 260px; max-width: 380px"):
                title = kind.label[0].upper() + kind.label[1:]
                solara.HTML(tag="h3", unsafe_innerHTML=html.escape(title), classes=["plc-group-title"])
                solara.Button(f"Start {kind.label}", color="primary", classes=["plc-policy", f"plc-policy-{name}"],
                              on_click=lambda name=name: session.policy(name, chosen),
                              disabled=(name, chosen) in running or failed)
                solara.Text(policy_help(name), classes=["plc-help"])
