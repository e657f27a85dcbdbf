"""The table views: one declaration per table, turned into sqladmin views.

Source data and ledgers are read-only (no create, edit or delete, in the UI
or the API). The user's own decisions - overrides, relationships,
exclusions, a gem's status, a draft's text and status - are editable through
the services the CLI uses (``web/admin/writes.py``), so they are validated and
applied the same way. A view is registered only when its table exists, and lists only
the columns its table has, so the admin follows the schema as stages land.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from markupsafe import Markup
from sqladmin import ModelView
from sqlalchemy import Select, String, asc, cast, desc, func, nulls_last, or_, select
from starlette.requests import Request
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Regexp

from inboxmine.db.search import like_literal
from inboxmine.runner import ledger
from inboxmine.services.drafts import DRAFT_STATUSES, RESPONSE_SENTIMENTS
from inboxmine.services.gems import SETTABLE_STATUSES
from inboxmine.services.relationships import RELATIONSHIP_TYPES
from inboxmine.web.models import model_for, table

# A sender identity: a registered domain or a full (free-mail) address.
SENDER_PATTERN = r"^[A-Za-z0-9._%+\-@]+\.[A-Za-z]{2,63}$"
OVERRIDE_FIELDS = (
    "industry",
    "company_size_estimate",
    "marketing_sophistication",
    "sender_intent",
    "product_type",
    "product_description",
    "target_audience",
    "partner_program_detected",
    "renewal_signal_detected",
)


@dataclass(frozen=True)
class TableView:
    """What one table view shows and allows (the docs page lists the same columns)."""

    identity: str  # URL: /admin/<identity>/list
    table: str
    label: str
    category: str
    columns: tuple[str, ...]
    details: tuple[str, ...] = ()  # extra columns on the detail page
    search: tuple[str, ...] = ()
    sort: tuple[str, ...] = ()
    default_sort: tuple[str, bool] | None = None  # (column, descending)
    page_size: int = 25
    editable: tuple[str, ...] = ()  # form columns; empty = read-only
    can_create: bool = False
    can_delete: bool = False
    icon: str = "fa-solid fa-table"
    form_choices: dict[str, tuple[str, ...]] = field(default_factory=dict)
    form_patterns: dict[str, str] = field(default_factory=dict)
    form_text: tuple[str, ...] = ()  # JSON columns edited as plain text (the service types them)
    details_template: str = "admin/table_details.html"


SOURCE, STAGES, OPPORTUNITIES, DECISIONS, LEDGERS = (
    "Source data",
    "Stage output",
    "Opportunities",
    "Your decisions",
    "Ledgers",
)

VIEWS: tuple[TableView, ...] = (
    TableView(
        identity="messages",
        table="messages",
        label="Messages",
        category=SOURCE,
        icon="fa-solid fa-envelope",
        columns=("id", "sent_at", "from_name", "from_address", "subject", "thread_id", "is_sent"),
        details=(
            "message_id",
            "date_raw",
            "reply_to",
            "to_addresses",
            "cc_addresses",
            "labels",
            "is_read",
            "snippet",
            "size_bytes",
            "source_kind",
            "source_ref",
            "parse_error",
            "ingested_at",
        ),  # fmt: skip
        search=("subject", "from_address", "from_name"),
        sort=("sent_at", "from_address", "subject"),
        default_sort=("sent_at", True),
        details_template="admin/message_details.html",
    ),
    TableView(
        identity="threads",
        table="threads",
        label="Threads",
        category=SOURCE,
        icon="fa-solid fa-comments",
        columns=(
            "id",
            "subject",
            "message_count",
            "last_sender",
            "days_dormant",
            "awaiting_response_from",
            "last_message_at",
        ),  # fmt: skip
        details=(
            "thread_key",
            "participant_count",
            "first_message_at",
            "user_participated",
            "user_last_replied_at",
        ),  # fmt: skip
        search=("subject", "last_sender"),
        sort=("days_dormant", "message_count", "last_message_at"),
        default_sort=("last_message_at", True),
    ),
    TableView(
        identity="attachments",
        table="attachments",
        label="Attachments",
        category=SOURCE,
        icon="fa-solid fa-paperclip",
        columns=("id", "message_id", "filename", "mime_type", "size_bytes", "is_inline"),
        search=("filename", "mime_type"),
        sort=("filename", "mime_type", "size_bytes"),
        default_sort=("id", True),
    ),
    TableView(
        identity="metadata",
        table="parsed_metadata",
        label="Metadata",
        category=STAGES,
        icon="fa-solid fa-fingerprint",
        columns=(
            "message_id",
            "sender_domain",
            "esp_identified",
            "esp_confidence",
            "spf_result",
            "dkim_result",
            "dmarc_result",
            "authentication_quality",
            "sending_ip",
            "is_bulk",
        ),  # fmt: skip
        details=(
            "sender_source",
            "from_domain",
            "sender_subdomain",
            "envelope_sender",
            "esp_evidence",
            "dkim_domain",
            "arc_result",
            "sending_host",
            "list_id",
            "list_unsubscribe_url",
            "list_unsubscribe_email",
            "list_unsubscribe_one_click",
            "x_mailer",
            "precedence",
            "feedback_id",
            "is_freemail",
            "parsed_at",
        ),  # fmt: skip
        search=("sender_domain", "esp_identified"),
        sort=("sender_domain", "esp_identified", "esp_confidence", "authentication_quality"),
        default_sort=("message_id", True),
    ),
    TableView(
        identity="temporal",
        table="sender_temporal",
        label="Temporal",
        category=STAGES,
        icon="fa-solid fa-clock",
        columns=(
            "sender_domain",
            "first_seen",
            "last_seen",
            "total_messages",
            "avg_gap_days",
            "median_gap_days",
            "most_common_hour_utc",
            "most_common_hour_local",
            "most_common_weekday",
        ),  # fmt: skip
        search=("sender_domain",),
        sort=("total_messages", "avg_gap_days", "last_seen"),
        default_sort=("total_messages", True),
    ),
    TableView(
        identity="content",
        table="parsed_content",
        label="Content",
        category=STAGES,
        icon="fa-solid fa-file-lines",
        columns=(
            "message_id",
            "primary_headline",
            "link_count",
            "tracking_pixel_count",
            "offer_types",
            "cta_texts",
            "has_personalization",
            "template_complexity_score",
        ),  # fmt: skip
        details=(
            "offer_evidence",
            "link_intents",
            "unique_link_domains",
            "utm_campaigns",
            "image_count",
            "social_links",
            "personalization_tokens",
            "has_physical_address",
            "physical_address_text",
            "language",
            "footer_text",
            "signature_block",
            "parsed_at",
        ),  # fmt: skip
        search=("primary_headline",),
        sort=("link_count", "tracking_pixel_count", "template_complexity_score"),
        default_sort=("message_id", True),
    ),
    TableView(
        identity="entities",
        table="extracted_entities",
        label="Entities",
        category=STAGES,
        icon="fa-solid fa-tags",
        page_size=50,
        columns=("id", "message_id", "entity_type", "entity_value", "confidence", "source"),
        details=(
            "entity_normalized",
            "role",
            "relationship",
            "context",
            "amount",
            "currency",
            "date_value",
            "date_kind",
            "is_future",
            "category",
            "extractor",
            "extracted_at",
        ),  # fmt: skip
        search=("entity_value", "entity_type"),
        sort=("entity_type", "confidence"),
        default_sort=("confidence", True),
    ),
    TableView(
        identity="classifications",
        table="ai_classification",
        label="Classifications",
        category=STAGES,
        icon="fa-solid fa-robot",
        columns=(
            "message_id",
            "sender_domain",
            "industry",
            "company_size_estimate",
            "marketing_sophistication",
            "sender_intent",
            "product_type",
            "ai_confidence",
            "model_used",
            "has_override",
            "partner_program_detected",
            "renewal_signal_detected",
        ),  # fmt: skip
        details=(
            "product_description",
            "target_audience",
            "pain_points",
            "original_values",
            "prompt_template",
            "audit_id",
            "pipeline_run_id",
            "classified_at",
        ),  # fmt: skip
        search=("industry", "sender_intent", "product_type", "sender_domain"),
        sort=("industry", "marketing_sophistication", "ai_confidence", "company_size_estimate"),
        default_sort=("ai_confidence", True),
    ),
    TableView(
        identity="overrides",
        table="classification_overrides",
        label="Overrides",
        category=DECISIONS,
        icon="fa-solid fa-pen-to-square",
        columns=(
            "id",
            "sender_domain",
            "message_id",
            "field_name",
            "original_value",
            "corrected_value",
            "override_scope",
            "created_at",
        ),  # fmt: skip
        search=("sender_domain", "field_name"),
        sort=("created_at", "field_name"),
        default_sort=("created_at", True),
        editable=("corrected_value",),
        form_text=("corrected_value",),
        can_delete=True,
    ),
    TableView(
        identity="relationships",
        table="sender_relationships",
        label="Relationships",
        category=DECISIONS,
        icon="fa-solid fa-handshake",
        columns=("sender_domain", "relationship_type", "suppress_gems", "source", "created_at"),
        details=("relationship_note", "confidence", "signals", "updated_at"),
        search=("sender_domain", "relationship_type"),
        sort=("sender_domain", "relationship_type", "source", "created_at"),
        default_sort=("created_at", True),
        editable=("relationship_type", "relationship_note", "suppress_gems"),
        form_choices={"relationship_type": RELATIONSHIP_TYPES},
        can_delete=True,
    ),
    TableView(
        identity="exclusions",
        table="domain_exclusions",
        label="Exclusions",
        category=DECISIONS,
        icon="fa-solid fa-ban",
        columns=("domain", "reason", "created_at"),
        search=("domain", "reason"),
        sort=("domain", "created_at"),
        default_sort=("created_at", True),
        editable=("domain", "reason"),
        form_patterns={"domain": SENDER_PATTERN},
        can_create=True,
        can_delete=True,
    ),
    # Judge the gems: read-only here; ratings change through the Gem Explorer,
    # the API or `inboxmine gems rate`, so their feedback is always applied.
    TableView(
        identity="gem-ratings",
        table="gem_ratings",
        label="Gem ratings",
        category=DECISIONS,
        icon="fa-solid fa-thumbs-up",
        columns=(
            "id",
            "gem_id",
            "gem_type",
            "sender_domain",
            "rating",
            "reason",
            "rank_at_rating",
            "created_at",
        ),
        details=("thread_key", "note", "score_at_rating", "rated_by", "updated_at"),
        search=("gem_type", "sender_domain", "rating", "reason"),
        sort=("gem_type", "rating", "rank_at_rating", "created_at"),
        default_sort=("created_at", True),
    ),
    TableView(
        identity="gem-suppressions",
        table="gem_suppressions",
        label="Gem suppressions",
        category=DECISIONS,
        icon="fa-solid fa-eye-slash",
        columns=("id", "sender_domain", "gem_type", "thread_key", "reason", "created_at"),
        details=("gem_rating_id",),
        search=("sender_domain", "gem_type", "reason"),
        sort=("sender_domain", "gem_type", "created_at"),
        default_sort=("created_at", True),
    ),
    TableView(
        identity="profiles",
        table="sender_profiles",
        label="Profiles",
        category=OPPORTUNITIES,
        icon="fa-solid fa-building",
        columns=(
            "sender_domain",
            "company_name",
            "industry",
            "company_size",
            "marketing_sophistication_avg",
            "esp_used",
            "total_messages",
            "has_partner_program",
            "has_personalization",
            "product_type",
            "last_contact",
        ),  # fmt: skip
        details=(
            "product_description",
            "primary_email",
            "reply_to_email",
            "is_freemail",
            "sender_intent",
            "marketing_sophistication_trend",
            "sophistication_breakdown",
            "authentication_quality",
            "unsubscribe_url",
            "pain_points",
            "target_audience",
            "known_contacts",
            "messages_read",
            "first_contact",
            "avg_frequency_days",
            "offer_type_distribution",
            "partner_program_urls",
            "renewal_dates",
            "next_renewal_date",
            "monetary_signals",
            "warm_signals",
            "economic_segments",
            "thread_count",
            "thread_initiation_ratio",
            "user_reply_rate",
            "profiled_at",
        ),  # fmt: skip
        search=("company_name", "sender_domain", "industry"),
        sort=("company_name", "industry", "marketing_sophistication_avg", "total_messages"),
        default_sort=("total_messages", True),
        details_template="admin/profile_details.html",
    ),
    TableView(
        identity="gems",
        table="gems",
        label="Gems",
        category=OPPORTUNITIES,
        icon="fa-solid fa-gem",
        columns=(
            "id",
            "gem_type",
            "sender_domain",
            "contact_email",
            "score",
            "status",
            "urgency",
            "created_at",
        ),
        details=(
            "summary",
            "thread_id",
            "contact_name",
            "estimated_value",
            "urgency_reason",
            "confidence",
            "detector_score",
            "score_breakdown",
            "explanation",
            "recommended_actions",
            "source_message_ids",
            "acted_at",
            "dismissed_at",
            "expired_at",
            "last_detected_at",
            "trust_verdict",
        ),  # fmt: skip
        search=("gem_type", "sender_domain", "contact_email", "contact_name"),
        sort=("score", "gem_type", "status", "created_at"),
        default_sort=("score", True),
        editable=("status",),
        form_choices={"status": SETTABLE_STATUSES},
        details_template="admin/gem_details.html",
    ),
    TableView(
        identity="segments",
        table="sender_segments",
        label="Segments",
        category=OPPORTUNITIES,
        icon="fa-solid fa-layer-group",
        page_size=50,
        columns=("sender_domain", "segment", "sub_segment", "confidence"),
        details=("is_custom", "priority", "reason", "assigned_at"),
        search=("sender_domain", "segment", "sub_segment"),
        sort=("segment", "confidence"),
        default_sort=("confidence", True),
    ),
    TableView(
        identity="drafts",
        table="engagement_drafts",
        label="Drafts",
        category=OPPORTUNITIES,
        icon="fa-solid fa-paper-plane",
        columns=(
            "id",
            "gem_id",
            "sender_domain",
            "strategy",
            "channel",
            "subject_line",
            "status",
            "generated_at",
        ),  # fmt: skip
        details=(
            "body_text",
            "version",
            "model_used",
            "prompt_template",
            "pipeline_run_id",
            "sent_at",
            "response_received",
            "response_sentiment",
        ),  # fmt: skip
        search=("sender_domain", "strategy", "subject_line"),
        sort=("strategy", "status", "generated_at"),
        default_sort=("generated_at", True),
        editable=("subject_line", "body_text", "status", "response_received", "response_sentiment"),
        form_choices={
            "status": DRAFT_STATUSES,
            "response_sentiment": ("", *RESPONSE_SENTIMENTS),
        },
    ),
    TableView(
        identity="pipeline-runs",
        table="pipeline_runs",
        label="Pipeline Runs",
        category=LEDGERS,
        icon="fa-solid fa-list-check",
        columns=ledger.LIST_COLUMNS,
        details=("error_message", "created_at", "items_failed", "items_total", "parameters"),
        search=("stage", "status"),
        sort=("stage", "status", "started_at", "items_processed"),
        default_sort=("started_at", True),
        details_template="admin/run_details.html",
    ),
    TableView(
        identity="ai-audit-log",
        table="ai_audit_log",
        label="AI Audit Log",
        category=LEDGERS,
        icon="fa-solid fa-clipboard-list",
        columns=(
            "id",
            "pipeline_run_id",
            "stage",
            "sender_domain",
            "model_used",
            "status",
            "duration_ms",
            "created_at",
        ),  # fmt: skip
        details=(
            "prompt_template",
            "prompt_version",
            "system_prompt",
            "prompt_rendered",
            "response_raw",
            "response_parsed",
            "error",
            "cached",
            "attempts",
            "tokens_in",
            "tokens_out",
        ),  # fmt: skip
        search=("sender_domain", "stage", "model_used"),
        sort=("stage", "duration_ms", "created_at"),
        default_sort=("created_at", True),
    ),
    TableView(
        identity="item-errors",
        table="item_errors",
        label="Item Errors",
        category=LEDGERS,
        icon="fa-solid fa-triangle-exclamation",
        columns=("id", "pipeline_run_id", "stage", "item_id", "error", "created_at"),
        search=("stage", "item_id", "error"),
        sort=("stage", "created_at"),
        default_sort=("created_at", True),
    ),
)


def view_spec(identity: str) -> TableView:
    for spec in VIEWS:
        if spec.identity == identity:
            return spec
    raise KeyError(identity)


def present_columns(spec: TableView, names: tuple[str, ...]) -> list[str]:
    """The columns of ``names`` the table really has (stages add theirs as they land)."""
    found = table(spec.table)
    return [n for n in names if found is not None and n in found.c]


# ----------------------------------------------------------- formatting


def _format_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S UTC")
    if isinstance(value, dict | list):
        return _json_short(value)
    return value


def _json_short(value: Any, limit: int = 200) -> str:
    import json

    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _status_badge(model: Any, name: str) -> Markup:
    value = getattr(model, name)
    return Markup('<span class="badge status-{cls}">{text}</span>').format(
        cls=str(value).replace(" ", "-")[:20], text=value
    )


def _formula_safe(value: Any) -> Any:
    """Spreadsheets run cells that start like a formula: neutralise them in exports."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


class InboxModelView(ModelView):
    """Common behaviour: safe formatting, nulls last, formula-safe CSV export."""

    spec: TableView
    column_type_formatters = {
        datetime: lambda v: v.strftime("%Y-%m-%d %H:%M:%S UTC"),
        dict: _json_short,
        list: _json_short,
        type(None): lambda v: "",
        bool: lambda v: "yes" if v else "no",
    }
    export_types = ["csv", "json"]

    def sort_query(self, stmt: Select, request: Request) -> Select:
        """Sort as asked, unset values last, then by primary key (stable pages)."""
        sort_by = request.query_params.get("sortBy")
        order = request.query_params.get("sort", "asc")
        if sort_by:
            if sort_by not in self._sort_fields:
                from starlette.exceptions import HTTPException

                raise HTTPException(
                    status_code=400,
                    detail=f"cannot sort by {sort_by[:40]!r}: choose one of "
                    + ", ".join(self._sort_fields),
                )
            fields = [(sort_by, order == "desc")]
        else:
            fields = self._get_default_sort()
        for name, descending in fields:
            column = getattr(self.model, name)
            ordered = desc(column) if descending else asc(column)
            # NULLS LAST only where NULLs can exist: it keeps an index usable elsewhere.
            nullable = table(self.spec.table).c[name].nullable
            stmt = stmt.order_by(nulls_last(ordered) if nullable else ordered)
        for pk in self.pk_columns:
            column = getattr(self.model, pk.name)
            stmt = stmt.order_by(desc(column) if fields and fields[0][1] else asc(column))
        return stmt

    def search_query(self, stmt: Select, term: str) -> Select:
        """Substring search, any case, with the user's % and _ taken literally.

        SQLite's LIKE already ignores ASCII case, so the column is compared as
        it is (no lower()/CAST per row): a search over 100,000 messages stays
        one plain scan.
        """
        term = term.strip()[:200]
        if not term or not self._search_fields:
            return stmt
        if self.spec.table == "messages":
            # Message text is searched through the full-text index, not LIKE.
            from inboxmine.search.searcher import message_ids_matching

            return stmt.filter(message_ids_matching(self.session_maker.kw["bind"], term))
        pattern = f"%{like_literal(term)}%"
        sqlite = self.session_maker.kw["bind"].dialect.name == "sqlite"
        conditions = []
        for name in self._search_fields:
            column = getattr(self.model, name)
            if not isinstance(column.type, String):
                column = cast(column, String)
            if sqlite:
                conditions.append(column.like(pattern, escape="\\"))
            else:
                conditions.append(column.ilike(pattern, escape="\\"))
        return stmt.filter(or_(*conditions))

    async def count(self, request: Request, stmt: Select | None = None) -> int:
        """Count without the ORDER BY sqladmin leaves in the subquery (a sort of every row)."""
        if stmt is not None:
            froms = stmt.get_final_froms()
            inner = getattr(froms[0], "element", None) if len(froms) == 1 else None
            if isinstance(inner, Select):
                stmt = select(func.count()).select_from(inner.order_by(None).subquery())
        return await super().count(request, stmt)

    async def details_context(self, request: Request) -> dict[str, Any]:
        """Extra facts for the detail pages (run errors, message body, gem drafts)."""
        from starlette.concurrency import run_in_threadpool

        from inboxmine.web.admin import details

        context = await super().details_context(request)
        engine = self._admin_ref.engine_
        settings = getattr(self._admin_ref, "settings_", None)
        extra = await run_in_threadpool(
            details.extra_context,
            engine,
            self.identity,
            request.path_params["pk"],
            settings.rules_dir if settings else None,
        )
        return {**context, **extra}

    # Writes: every create, edit and delete goes through the service of its
    # aggregate (web/admin/writes.py), never through sqladmin's own session.

    async def _write(self, request: Request, action: str, pk: str | None, data: dict) -> str:
        from starlette.concurrency import run_in_threadpool

        from inboxmine.web.admin import writes

        handler = writes.handler(self.spec.identity, action)
        settings = getattr(self._admin_ref, "settings_", None)
        engine = self._admin_ref.engine_
        return await run_in_threadpool(handler, engine, settings, pk, data)

    async def insert_model(self, request: Request, data: dict) -> Any:
        pk = await self._write(request, "create", None, data)
        await self._emit_audit(request, "create", pk, data)
        return await self.get_object_for_delete(str(pk))

    async def update_model(self, request: Request, pk: str, data: dict) -> Any:
        new_pk = await self._write(request, "edit", pk, data)
        await self._emit_audit(request, "update", pk, data)
        return await self.get_object_for_delete(str(new_pk))

    async def delete_model(self, request: Request, pk: Any) -> None:
        await self._write(request, "delete", str(pk), {})
        await self._emit_audit(request, "delete", pk, None)

    async def custom_export_cell(self, row: Any, name: str, value: Any) -> Any:
        return _formula_safe(value)

    async def export_data(self, data, export_type="csv", request=None):
        if export_type != "csv":
            return await super().export_data(data, export_type=export_type, request=request)
        # Own CSV writer so every cell is formula-safe.
        from starlette.responses import StreamingResponse

        columns = self.get_export_columns()
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(columns)
        for row in data:
            writer.writerow([_formula_safe(_format_value(getattr(row, c, None))) for c in columns])
        buffer.seek(0)
        filename = self.get_export_name("csv")
        return StreamingResponse(
            iter([buffer.getvalue()]),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )


def make_view(spec: TableView) -> type[ModelView] | None:
    """The sqladmin view class of one table view, or None when its table is missing."""
    model = model_for(spec.table)
    if model is None:
        return None
    columns = present_columns(spec, spec.columns)
    details = columns + [c for c in present_columns(spec, spec.details) if c not in columns]
    editable = present_columns(spec, spec.editable)
    attrs: dict[str, Any] = {
        "spec": spec,
        "name": spec.label,
        "name_plural": spec.label,
        "identity": spec.identity,
        "icon": spec.icon,
        "category": spec.category,
        "page_size": spec.page_size,
        "page_size_options": [spec.page_size, 50, 100],
        "column_list": columns,
        "column_details_list": details,
        "column_searchable_list": present_columns(spec, spec.search),
        "column_sortable_list": present_columns(spec, spec.sort),
        "column_default_sort": [spec.default_sort] if spec.default_sort else [],
        "can_create": spec.can_create,
        "can_edit": bool(editable),
        "can_delete": spec.can_delete,
        "can_view_details": True,
        "details_template": spec.details_template,
        "column_formatters": {name: _status_badge for name in ("status",) if name in columns},
    }
    if editable:
        attrs["form_columns"] = editable
        form_args: dict[str, dict[str, Any]] = {}
        overrides: dict[str, Any] = {}
        for name, choices in spec.form_choices.items():
            if name in editable:
                overrides[name] = SelectField
                form_args[name] = {"choices": [(c, c or "(none)") for c in choices]}
        for name in spec.form_text:
            if name in editable:
                overrides[name] = StringField
                form_args[name] = {"validators": [DataRequired(), Length(max=2000)]}
        for name, pattern in spec.form_patterns.items():
            if name in editable:
                form_args.setdefault(name, {})["validators"] = [
                    DataRequired(),
                    Length(max=320),
                    Regexp(pattern, message="a domain like example.com, or a full address"),
                ]
        attrs["form_overrides"] = overrides
        attrs["form_args"] = form_args
        attrs["form_include_pk"] = spec.identity == "exclusions"
    cls_name = "".join(p.title() for p in spec.identity.split("-")) + "Admin"
    view = type(cls_name, (InboxModelView,), attrs, model=model)
    # sqladmin derives the identity from the class name; ours is the URL in the docs.
    view.identity = spec.identity
    return view


def registered_views() -> list[type[ModelView]]:
    """Every table view whose table exists, in the order of :data:`VIEWS`."""
    return [v for v in (make_view(spec) for spec in VIEWS) if v is not None]
