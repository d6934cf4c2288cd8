"""`annobatch.domain`'s public names: exactly its modules' rules, nothing they import."""

from __future__ import annotations

import importlib
import pkgutil

import annobatch.domain

#: Every module of the package, found rather than listed, so that a new one cannot be missed.
MODULES = tuple(
    importlib.import_module(f"annobatch.domain.{m.name}")
    for m in pkgutil.iter_modules(annobatch.domain.__path__)
)

PUBLIC = [
    "AnnotationParts",
    "BatchAction",
    "BatchChoice",
    "BatchStatus",
    "CALIBRATION_FIELDS",
    "CLAIMABLE_KINDS",
    "ClientCorrection",
    "CloudUri",
    "Conflict",
    "DEFAULT_LEASE_SECONDS",
    "DEFAULT_WORKFLOW",
    "Decision",
    "DomainError",
    "EXTERNAL_ID_RULE",
    "ErrorTypeRule",
    "Forbidden",
    "IMU_FILE_LIMIT",
    "INT64_MAX",
    "INT64_MIN",
    "INVALIDATION_REASONS",
    "ImuSample",
    "InputWork",
    "InvalidInput",
    "JobStatus",
    "LIDAR_CALIBRATION",
    "MAX_DESCRIPTION",
    "MAX_FRAME_ID",
    "MAX_RESOURCE_ID",
    "MAX_SENSOR_NAME",
    "MAX_TITLE",
    "MIN_ORPHAN_GRACE_SECONDS",
    "NewBatch",
    "Next",
    "NotFound",
    "Phase",
    "PreAnnotationStatus",
    "ProjectStatus",
    "ResourceKind",
    "RetryPolicy",
    "Role",
    "SCENE_MOVES",
    "SIGNATURE_HEADER",
    "SIGNATURE_TOLERANCE_SECONDS",
    "STORAGE_ACCESS_PROBLEMS",
    "SceneDraft",
    "SceneFrame",
    "SceneLimits",
    "SceneResource",
    "SceneStatus",
    "SceneType",
    "SweepPolicy",
    "TASK_MOVES",
    "TIMESTAMP_HEADER",
    "TRANSITIONS",
    "TaskKind",
    "TaskStatus",
    "TooLarge",
    "Transition",
    "Unauthenticated",
    "WEBHOOK_EVENTS",
    "WEBHOOK_ID_HEADER",
    "WEBHOOK_RETRIES",
    "WORKFORCE_ROLES",
    "WebhookTarget",
    "abandon_needed",
    "abandoned_message",
    "address_refusal",
    "after_client_review",
    "after_task",
    "allowed_moves",
    "annotation_parts",
    "batch_move_on_input_completed",
    "batch_move_on_input_reopened",
    "batch_move_on_task_started",
    "batches_to_publish_with",
    "check_file_content",
    "choose_batch_at_commit",
    "choose_input_batch",
    "claimable_kinds",
    "commit_needed",
    "decide_transition",
    "imu_file_problem",
    "initial_scene_status",
    "invalidation_changes",
    "invalidation_status",
    "is_stale_pending",
    "is_storage_access_problem",
    "lease_expired",
    "normalize_annotation_types",
    "normalize_classes",
    "object_classes",
    "orphaned_blobs",
    "parse_client_correction",
    "parse_cloud_uri",
    "parse_feedback",
    "parse_imu_file",
    "parse_integer",
    "parse_pre_annotation_statuses",
    "parse_project_status",
    "parse_scene_type",
    "parse_webhook_events",
    "parse_webhook_url",
    "parse_workflow",
    "parse_workforce_role",
    "plan_new_batch",
    "require_all_uploaded",
    "require_annotation_types",
    "require_assignable",
    "require_batch_types_editable",
    "require_feedback_fits",
    "require_feedback_on_rejection",
    "require_fits_scene",
    "require_holder",
    "require_importable",
    "require_input_removable",
    "require_pre_annotation_available",
    "require_pre_annotation_replaceable",
    "require_project_accepts_work",
    "require_reindexable",
    "require_scene_accepts_inputs",
    "require_scene_accepts_uploads",
    "require_scene_move",
    "require_scene_retargetable",
    "require_scene_within_limits",
    "require_task_move",
    "require_taxonomy",
    "require_workforce_credential",
    "sign_webhook",
    "validate_bucket_name",
    "validate_calibration",
    "validate_description",
    "validate_endpoint",
    "validate_error_type_id",
    "validate_external_id",
    "validate_imu",
    "validate_member_name",
    "validate_openlabel",
    "validate_pre_annotation_external_id",
    "validate_scene",
    "validate_scene_external_id",
    "validate_title",
]


def test_the_domain_exports_exactly_the_pinned_sorted_list() -> None:
    assert annobatch.domain.__all__ == PUBLIC
    assert sorted(PUBLIC) == PUBLIC


def test_every_exported_name_is_defined_in_a_domain_module() -> None:
    for name in PUBLIC:
        value = getattr(annobatch.domain, name)
        homes = [m for m in MODULES if name in m.__all__]
        assert len(homes) == 1, f"{name} is exported by {len(homes)} modules"
        module = getattr(value, "__module__", None)
        assert module is None or module.startswith("annobatch.domain") or not callable(value), name


def test_each_module_lists_only_names_it_has() -> None:
    for module in MODULES:
        missing = [n for n in module.__all__ if not hasattr(module, n)]
        assert missing == [], f"{module.__name__}.__all__ names what it lacks: {missing}"
