"""Coverage planning: where the next cameras must go, how to turn the ones we have, which to repair first.

The faces (CLI now, the console page later) call these plain functions and get dataclasses back;
`plan_geojson`, `plan_csv`, `plan_kml` and `repair_geojson` turn them into exportable documents."""

from qarauyl.planning.analyses import (
    CurvePoint,
    LayerCoverage,
    PlanResult,
    ReaimItem,
    ReaimResult,
    Recommendation,
    RepairItem,
    Scene,
    coverage_curve,
    generate_candidates,
    plan,
    prepare_scene,
    reaim_existing,
    repair_priority,
)
from qarauyl.planning.camera import (
    DEFAULT_MODELS,
    DEFAULT_TIERS,
    CameraModel,
    Tier,
    ground_range_m,
    hfov_from_focal,
    slant_range_m,
)
from qarauyl.planning.demo import demo_layers
from qarauyl.planning.export import (
    curve_rows,
    existing_geojson,
    plan_csv,
    plan_geojson,
    plan_kml,
    repair_geojson,
    write_plan,
)
from qarauyl.planning.inventory import apply_overrides, load_existing_cameras
from qarauyl.planning.layers import (
    CandidateSite,
    DemandLayer,
    ExistingCamera,
    LayerFeature,
    read_cameras,
    read_candidates,
    read_layer,
    read_models,
)
from qarauyl.planning.osm import read_osm
from qarauyl.planning.solver import CoverProblem, Solution, solve_greedy, solve_milp

__all__ = [
    "DEFAULT_MODELS",
    "DEFAULT_TIERS",
    "CameraModel",
    "CandidateSite",
    "CoverProblem",
    "CurvePoint",
    "DemandLayer",
    "ExistingCamera",
    "LayerCoverage",
    "LayerFeature",
    "PlanResult",
    "ReaimItem",
    "ReaimResult",
    "Recommendation",
    "RepairItem",
    "Scene",
    "Solution",
    "Tier",
    "apply_overrides",
    "coverage_curve",
    "curve_rows",
    "demo_layers",
    "existing_geojson",
    "generate_candidates",
    "ground_range_m",
    "hfov_from_focal",
    "load_existing_cameras",
    "plan",
    "plan_csv",
    "plan_geojson",
    "plan_kml",
    "prepare_scene",
    "read_cameras",
    "read_candidates",
    "read_layer",
    "read_models",
    "read_osm",
    "reaim_existing",
    "repair_geojson",
    "repair_priority",
    "slant_range_m",
    "solve_greedy",
    "solve_milp",
    "write_plan",
]
