#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# Seeded synthetic bearing telemetry (vibration RMS, housing temperature,
# motor current) and the small XGBoost models the tests use, trained with
# Debian's python3-xgboost. Writes, next to this script:
#   bearing-risk.ubj        binary:logistic, P(failure within 7 days)
#   bearing-risk.spec.json  its manifest template (waybill model pack)
#   telemetry.jsonl         20 readings in the model's record fields
#   expected.txt            python xgboost's prediction for each reading
# Run: /usr/bin/python3 tests/models/gen_models.py  (deterministic: the
# same bytes every run on the same xgboost version).
# With --large DIR it writes, instead, a production-sized model for the
# benchmark (400 trees of depth 8, not committed) and its spec into DIR.
import json
import os
import sys

import numpy as np
import xgboost as xgb

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 20261201


def telemetry(rng, n):
    """n rows of (vib_rms mm/s, temp_c degC, current_a A) and a failure
    label driven mostly by vibration and temperature."""
    vib = rng.gamma(shape=2.0, scale=1.5, size=n)  # ISO 10816 zone A..D
    temp = rng.normal(55.0, 8.0, size=n)
    cur = rng.normal(12.0, 1.5, size=n)
    z = 0.9 * (vib - 4.5) + 0.15 * (temp - 60.0) + 0.4 * (cur - 12.0)
    p = 1.0 / (1.0 + np.exp(-z))
    y = (rng.uniform(size=n) < p).astype(np.float32)
    x = np.stack([vib, temp, cur], axis=1).astype(np.float32)
    return x, y


def large(out):
    """A production-sized ensemble on the same features (bench_infer)."""
    rng = np.random.default_rng(SEED)
    x, y = telemetry(rng, 40000)
    d = xgb.DMatrix(x, label=y, feature_names=["vib_rms", "temp_c", "current_a"])
    params = {"objective": "binary:logistic", "max_depth": 8, "eta": 0.05,
              "nthread": 1, "seed": SEED, "tree_method": "exact",
              "min_child_weight": 0, "gamma": 0, "lambda": 0.1}
    bst = xgb.train(params, d, num_boost_round=400)
    os.makedirs(out, exist_ok=True)
    bst.save_model(os.path.join(out, "bearing-risk.ubj"))
    spec = json.load(open(os.path.join(HERE, "bearing-risk.spec.json")))
    spec["training_data"] = "synthetic bearing telemetry, 40000 rows, seed %d (benchmark model)" % SEED
    with open(os.path.join(out, "bearing-risk.spec.json"), "w") as f:
        json.dump(spec, f, indent=2)
        f.write("\n")


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--large":
        large(sys.argv[2])
        return
    if len(sys.argv) != 1:
        print("usage: gen_models.py            rewrite the committed test model and\n"
              "                                its data next to this script\n"
              "       gen_models.py --large DIR   a production-sized model into DIR",
              file=sys.stderr)
        sys.exit(2)
    rng = np.random.default_rng(SEED)
    x, y = telemetry(rng, 4000)
    d = xgb.DMatrix(x, label=y, feature_names=["vib_rms", "temp_c", "current_a"])
    params = {"objective": "binary:logistic", "max_depth": 3, "eta": 0.3,
              "nthread": 1, "seed": SEED, "tree_method": "exact"}
    bst = xgb.train(params, d, num_boost_round=12)
    bst.save_model(os.path.join(HERE, "bearing-risk.ubj"))

    # held-out readings: what the tests ingest, and what python predicts
    xt, _ = telemetry(np.random.default_rng(SEED + 1), 20)
    with open(os.path.join(HERE, "telemetry.jsonl"), "w") as f:
        for row in xt:
            f.write(json.dumps({"vib_rms": float(row[0]),
                                "temp_c": float(row[1]),
                                "current_a": float(row[2]),
                                "line": "press-7"}) + "\n")
    loaded = xgb.Booster(model_file=os.path.join(HERE, "bearing-risk.ubj"))
    loaded.set_param({"nthread": 1})
    pred = loaded.predict(xgb.DMatrix(xt, feature_names=["vib_rms", "temp_c", "current_a"]))
    with open(os.path.join(HERE, "expected.txt"), "w") as f:
        for p in pred:
            f.write("%.9g\n" % float(p))

    spec = {
        "format": "waybill-model/1",
        "name": "bearing-risk",
        "version": "1.0.0",
        "vendor": "Example Analytics GmbH",
        "runtime": "xgboost",
        "model_file": "bearing-risk.ubj",
        "input": [
            {"name": "vib_rms", "field": "vib_rms", "unit": "mm/s"},
            {"name": "temp_c", "field": "temp_c", "unit": "Cel"},
            {"name": "current_a", "field": "current_a", "unit": "A"},
        ],
        "output": [{"name": "failure_risk_7d", "unit": "1"}],
        "purposes": ["predictive-maintenance"],
        "out_of_scope": ["worker-monitoring", "marketing"],
        "jurisdictions": {"run": ["DE", "CN"], "output": ["DE", "CN"]},
        "training_data": "synthetic bearing telemetry from tests/models/"
                         "gen_models.py (numpy seed %d, 4000 rows); no "
                         "personal data, no customer data" % SEED,
    }
    with open(os.path.join(HERE, "bearing-risk.spec.json"), "w") as f:
        json.dump(spec, f, indent=2)
        f.write("\n")
    print("xgboost", xgb.__version__, "rows", len(xt), file=sys.stderr)


if __name__ == "__main__":
    main()
