package org.conceptscope.model;

/**
 * What a ReLU passes back in a gradient computation, for upstream gradient g at a unit whose
 * input is x (Xplique's and Captum's rules; ReLU6 uses its own gate 0 < x < 6 where ReLU uses x > 0).
 */
public enum ReluBackward {
	/** The gradient: g where the unit is active. */
	ORDINARY("The gradient"),
	/** Guided Backpropagation (Springenberg et al. 2015): max(g, 0) where the unit is active. */
	GUIDED("Guided Backpropagation"),
	/** DeconvNet (Zeiler and Fergus 2014): max(g, 0) whether or not the unit is active. */
	DECONVNET("DeconvNet");

	private final String label;

	ReluBackward(String label) {
		this.label = label;
	}

	/** The method's name in words, for messages. */
	public String label() {
		return label;
	}
}
