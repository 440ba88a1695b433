package org.conceptscope.attribution;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;

import org.conceptscope.tensor.FloatTensor;
import org.junit.jupiter.api.Test;

/** A part of an attribution names its own targets, even when class names hold commas. */
class AttributionRangeTest {

	@Test
	void rangeKeepsEachImagesTargetAndClassName() {
		List<String> classes = List.of("tumour, grade 2", "stroma");
		int[] targets = { 0, 1, 1, 0 };
		Map<String, String> meta = Map.of("method", "saliency", "targets", java.util.Arrays.toString(targets),
			"target_classes", AttributionMethod.targetClasses(classes, targets), "sigma", "[0.1, 0.2, 0.3, 0.4]");
		Attribution a = new Attribution(new FloatTensor(new long[] { 4, 2, 2 }, new float[16]), targets, meta);

		Attribution part = a.range(1, 3, List.of("sigma"), classes);
		assertEquals("[1, 1]", part.metadata().get("targets"));
		assertEquals("[stroma, stroma]", part.metadata().get("target_classes"));
		assertEquals("[0.2, 0.3]", part.metadata().get("sigma"));

		Attribution last = a.range(3, 4, List.of("sigma"), classes);
		assertEquals("[tumour, grade 2]", last.metadata().get("target_classes"));
		assertEquals("saliency", last.metadata().get("method"));
	}
}
