package org.conceptscope.util;

/**
 * Functional interfaces of 3 to 7 inputs for SciJava Ops declarations: scijava-function, which
 * holds SciJava's own, is not on Maven Central. Ops are matched by their functional interface
 * and parameter types, so any single-method interface serves.
 */
public final class Functions {

	private Functions() {}

	@FunctionalInterface
	public interface Arity3<I1, I2, I3, O> {
		O apply(I1 in1, I2 in2, I3 in3);
	}

	@FunctionalInterface
	public interface Arity4<I1, I2, I3, I4, O> {
		O apply(I1 in1, I2 in2, I3 in3, I4 in4);
	}

	@FunctionalInterface
	public interface Arity5<I1, I2, I3, I4, I5, O> {
		O apply(I1 in1, I2 in2, I3 in3, I4 in4, I5 in5);
	}

	@FunctionalInterface
	public interface Arity6<I1, I2, I3, I4, I5, I6, O> {
		O apply(I1 in1, I2 in2, I3 in3, I4 in4, I5 in5, I6 in6);
	}

	@FunctionalInterface
	public interface Arity7<I1, I2, I3, I4, I5, I6, I7, O> {
		O apply(I1 in1, I2 in2, I3 in3, I4 in4, I5 in5, I6 in6, I7 in7);
	}

	@FunctionalInterface
	public interface Arity8<I1, I2, I3, I4, I5, I6, I7, I8, O> {
		O apply(I1 in1, I2 in2, I3 in3, I4 in4, I5 in5, I6 in6, I7 in7, I8 in8);
	}
}
