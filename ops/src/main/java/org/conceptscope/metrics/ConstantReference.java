package org.conceptscope.metrics;

import java.util.Arrays;
import java.util.Locale;

import org.conceptscope.tensor.FloatTensor;

/** Every removed pixel takes one value (all channels). */
record ConstantReference(float value) implements Reference {

	ConstantReference {
		if (!Float.isFinite(value)) throw new IllegalArgumentException("The baseline value must be a finite number, got " + value + ".");
	}

	@Override
	public FloatTensor of(FloatTensor images) {
		float[] d = new float[images.size()];
		Arrays.fill(d, value);
		return new FloatTensor(images.shape(), d);
	}

	@Override
	public String describe() {
		return String.format(Locale.ROOT, "constant(%s)", value);
	}
}
