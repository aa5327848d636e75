"""Escalation policies and their steps."""

from django import forms
from django.contrib import admin, messages

from rosters.durations import FriendlyDurations, friendly
from rosters.models import EscalationPolicy, EscalationStep
from rosters.selectors import policy_warning
from rosters.validators import TARGET_SPELLINGS


class TargetsField(forms.CharField):
    """Targets typed as the roster file writes them: `rotation:primary, person:dan`."""

    def prepare_value(self, value):
        return ", ".join(value) if isinstance(value, list) else value

    def to_python(self, value):
        text = super().to_python(value)
        return [t.strip() for t in text.split(",") if t.strip()]


class EscalationStepForm(forms.ModelForm):
    targets = TargetsField(
        help_text=f"comma-separated: {TARGET_SPELLINGS} (WEBHOOKS names the webhooks)",
        widget=forms.TextInput(attrs={"size": 60}),
    )

    class Meta:
        model = EscalationStep
        fields = ["position", "targets", "wait"]


class EscalationStepInline(FriendlyDurations, admin.TabularInline):
    model = EscalationStep
    form = EscalationStepForm
    extra = 0


@admin.register(EscalationPolicy)
class EscalationPolicyAdmin(FriendlyDurations, admin.ModelAdmin):
    list_display = ["__str__", "sla", "repeat", "step_count"]
    search_fields = ["team__slug", "team__name", "test_of__slug", "test_of__name"]
    list_select_related = ["team", "test_of"]
    autocomplete_fields = ["team", "test_of"]
    inlines = [EscalationStepInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("steps")

    @admin.display(description="acknowledgement SLA", ordering="ack_sla")
    def sla(self, policy: EscalationPolicy) -> str:
        return friendly(policy.ack_sla)

    @admin.display(description="steps")
    def step_count(self, policy: EscalationPolicy) -> int:
        return len(policy.steps.all())

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        policy = form.instance
        warning = policy_warning(team=policy.owner, test=bool(policy.test_of_id))
        if warning:
            messages.warning(request, f"{policy}: {warning}")
