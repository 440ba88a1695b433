package org.conceptscope.fiji.write;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Locale;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/** Every number a CSV or table holds reads back to the value it was written from, in the shortest text that does. */
class NumbersTest {

	@Test
	void everyDoubleAndEveryFloatReadsBackExactly() {
		SplittableRandom random = new SplittableRandom(16);
		for (int i = 0; i < 100_000; i++) {
			double d = Double.longBitsToDouble(random.nextLong());
			if (Double.isNaN(d)) continue;
			assertEquals(d, Double.parseDouble(Numbers.number(d)), 0, () -> "double " + d);
			float f = Float.intBitsToFloat(random.nextInt());
			if (Float.isNaN(f)) continue;
			assertEquals(f, Float.parseFloat(Numbers.number(f)), 0, () -> "float " + f);
			// read in double precision, a float's text is the float's value to float precision, not the widened binary noise
			assertEquals(f, (float) Double.parseDouble(Numbers.number(f)), 0, () -> "float read as double " + f);
		}
	}

	@Test
	void floatsAreWrittenWithoutDoubleNoiseAndLocaleDoesNotMatter() {
		Locale before = Locale.getDefault();
		try {
			Locale.setDefault(Locale.GERMANY);
			assertEquals("0.1", Numbers.number(0.1f)); // not 0.10000000149011612
			assertEquals("0.1", Numbers.number(0.1));
			assertEquals("0.30000000000000004", Numbers.number(0.1 + 0.2)); // a double that no float holds keeps all its digits
			assertEquals("NaN", Numbers.number(Double.NaN));
			assertEquals("Infinity", Numbers.number(Double.POSITIVE_INFINITY));
			assertEquals("0.200000", Numbers.property(0.2));
			assertTrue(!Numbers.property(1234.5678).contains(","));
		} finally {
			Locale.setDefault(before);
		}
	}

	@Test
	void moreDigitsThanTheOldFixedFormats() {
		double v = 0.123456789012345;
		assertEquals(v, Double.parseDouble(Numbers.number(v)), 0);
		// the six- and nine-digit formats this replaced lost the value
		assertTrue(Double.parseDouble(String.format(Locale.ROOT, "%.6g", v)) != v);
		assertTrue(Double.parseDouble(String.format(Locale.ROOT, "%.9g", v)) != v);
	}

	@Test
	void briefNumbersHaveSixDigitsAndNoTrailingZeros() {
		assertEquals("0.123457", Numbers.brief(0.12345678901234)); // not every digit of the double
		assertEquals("16", Numbers.brief(16)); // not 16.0000
		assertEquals("-1", Numbers.brief(-1));
		assertEquals("0.25", Numbers.brief(0.25));
		assertEquals("1.5e-07", Numbers.brief(1.5e-7));
		assertEquals("123457", Numbers.brief(123456.7));
		assertEquals("1.23457e+06", Numbers.brief(1234567.8));
		assertEquals("NaN", Numbers.brief(Double.NaN));
	}
}
