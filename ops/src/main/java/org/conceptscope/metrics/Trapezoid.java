package org.conceptscope.metrics;

/** Area under a curve sampled at equal steps over [0, 1]. */
final class Trapezoid {

	private Trapezoid() {}

	static double area(double[] curve) {
		if (curve.length < 2) throw new IllegalArgumentException("A curve needs at least 2 points for an area, got " + curve.length + ".");
		double sum = 0;
		for (int j = 0; j + 1 < curve.length; j++) sum += (curve[j] + curve[j + 1]) / 2;
		return sum / (curve.length - 1);
	}
}
