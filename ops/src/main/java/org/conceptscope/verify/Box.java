package org.conceptscope.verify;

import java.util.Arrays;

/**
 * An axis-aligned box of tensors: element-wise lower and upper bounds with a shape (NHWC or
 * [N, K]), in double precision so rounding never makes a sound bound unsound by a hair.
 * A point (lo == hi) is an ordinary tensor.
 */
public record Box(long[] shape, double[] lo, double[] hi) {

	public Box {
		shape = shape.clone();
		if (lo.length != hi.length) throw new IllegalArgumentException("Lower and upper bounds differ in size.");
	}

	@Override
	public long[] shape() {
		return shape.clone();
	}

	public static Box point(long[] shape, float[] values) {
		double[] v = new double[values.length];
		for (int i = 0; i < v.length; i++) v[i] = values[i];
		return new Box(shape, v, v.clone());
	}

	public int size() {
		return lo.length;
	}

	long dim(int i) {
		return shape[i];
	}

	int rank() {
		return shape.length;
	}

	Box reshape(long[] newShape) {
		return new Box(newShape, lo, hi);
	}

	/** Largest width hi - lo. */
	public double maxWidth() {
		double m = 0;
		for (int i = 0; i < lo.length; i++) m = Math.max(m, hi[i] - lo[i]);
		return m;
	}

	@Override
	public String toString() {
		return "Box" + Arrays.toString(shape);
	}
}
