package org.conceptscope.registry;

/** What a registered method does; keys are unique within a family (sobol is an attribution method and a concept estimator). */
public enum Family {
	/** One map per image saying where the model looked ({@link org.conceptscope.attribution.AttributionMethod}). */
	ATTRIBUTION("attribution method"),
	/** A score of an attribution method's maps ({@link org.conceptscope.metrics.Metric}). */
	METRIC("metric"),
	/** The importance of each concept of a bank for its class ({@link org.conceptscope.concepts.ConceptEstimator}). */
	CONCEPT_ESTIMATOR("concept importance estimator"),
	/** An interpretable head trained on a frozen backbone's features ({@link org.conceptscope.heads.HeadTrainer}). */
	HEAD("interpretable head");

	private final String label;

	Family(String label) {
		this.label = label;
	}

	/** In words: "attribution method", "metric", ... */
	public String label() {
		return label;
	}
}
