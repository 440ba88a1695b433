package org.conceptscope.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Counting the values a cast to an integer type wraps (numpy's astype, as bioimageio.core casts a raw input): known
 * answers on a small image, the steps before the cast applied first, and the image itself left as it was.
 */
class CastOverflowTest {

	@Test
	void valuesOutsideTheTypeAreCountedAndTheImageIsLeftAsItWas() {
		float[] pixels = { 0, 255, 256, 300, -1, 65535, 12.9f, 255.9f };
		FloatTensor image = new FloatTensor(new long[] { 1, 2, 4, 1 }, pixels.clone());
		CastOverflow o = CastOverflow.of(TileSource.of(image, 65535), 0, Normalization.parse("cast(uint8)"));
		// 256, 300, -1 and 65535 lie outside 0..255; 255.9 is cut to 255 and -0.x would be 0
		assertEquals(new CastOverflow("uint8", 4, 8, -1, 65535), o);
		assertArrayEquals(pixels, image.data(), "the image is not changed");
		assertEquals("The image 'a' has values from -1 to 65535 that the model's preprocessing casts to uint8 (ensure_dtype): 4 of 8 lie outside"
			+ " 0 to 255 and wrap modulo 256 as in bioimageio.core (e.g. 65535 becomes 255), so the model sees other values than the image"
			+ " holds; convert the image to uint8 first (Image > Type, which scales by the display range).", o.sentence("The image 'a'"));
		// the steps before the cast first: doubled, 128 already wraps (256 becomes 0)
		FloatTensor bytes = new FloatTensor(new long[] { 1, 1, 3, 1 }, new float[] { 127, 128, 10 });
		assertEquals(new CastOverflow("int8", 2, 3, 20, 256), CastOverflow.of(TileSource.of(bytes, 255), 0, Normalization.parse("scale_linear(2,0); cast(int8)")));
		// within the range, or no cast at all: nothing to say
		assertNull(CastOverflow.of(TileSource.of(bytes, 255), 0, Normalization.parse("cast(uint8)")));
		assertNull(CastOverflow.of(TileSource.of(image, 65535), 0, Normalization.parse("unit_range")));
	}

	/**
	 * A step before the cast that takes statistics from the whole image reads it whole: an image under the bound is
	 * checked (known answer), one over it is not read at all (a slide of 1.2e9 values was copied whole, 4.8 GB, and
	 * the OutOfMemoryError escaped the warning, which catches only RuntimeException).
	 */
	@Test
	void aWholeImageReadIsBoundedBeforeItIsMade() {
		// 0, 10, 20: mean 10, standard deviation sqrt(200 / 3) (over n, as bioimageio.core), so -+sqrt(1.5) times 200: +-244.9, outside int8
		FloatTensor small = new FloatTensor(new long[] { 1, 1, 3, 1 }, new float[] { 0, 10, 20 });
		CastOverflow o = CastOverflow.of(TileSource.of(small, 255), 0, Normalization.parse("zero_mean_unit_variance; scale_linear(200,0); cast(int8)"));
		assertEquals(2, o.count());
		assertEquals(3, o.values());
		assertEquals(-200 * Math.sqrt(1.5), o.min(), 1e-3);
		assertEquals(200 * Math.sqrt(1.5), o.max(), 1e-3);
		assertTrue((long) UnreadableSlide.HEIGHT * UnreadableSlide.WIDTH > CastOverflow.WHOLE_IMAGE_VALUES);
		TileSource slide = new UnreadableSlide();
		assertNull(CastOverflow.of(slide, 0, Normalization.parse("zero_mean_unit_variance; cast(uint8)")));
		assertNull(CastOverflow.of(slide, 0, Normalization.parse("percentile(1,99.8); scale_linear(255,0); cast(uint8)")));
	}
}
