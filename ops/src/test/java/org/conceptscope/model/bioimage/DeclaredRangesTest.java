package org.conceptscope.model.bioimage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.conceptscope.model.InputValueRange;
import org.conceptscope.model.bioimage.ModelDescription.DataRange;
import org.conceptscope.model.bioimage.ModelDescription.TensorDescription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An rdf.yaml's declared input range read (0.4 data_range, 0.5 data.range, per channel, open ends as null or .inf) and put
 * in the network's units through the preprocessing ConceptScope applies ({@link DeclaredRanges}): mapped through fixed
 * steps, refused with the reason through per-image statistics, wrapping casts, 0.4 preprocessing and per-channel ranges.
 */
class DeclaredRangesTest {

	@TempDir
	Path tmp;

	private static final String AXES_05 = """
		    axes:
		      - {type: batch}
		      - {type: space, id: y, size: 32}
		      - {type: space, id: x, size: 32}
		      - {type: channel, channel_names: [r, g, b]}
		""";

	private ModelDescription read(String format, String input) throws IOException {
		String out = format.startsWith("0.4") ? "outputs:\n  - name: p\n    axes: bc\n    data_type: float32\n    shape: [1, 3]\n"
			: "outputs:\n  - id: p\n    axes:\n      - {type: batch}\n      - {type: channel, channel_names: [a, b, c]}\n";
		Path rdf = tmp.resolve("rdf-" + System.nanoTime() + ".yaml");
		Files.writeString(rdf, "format_version: " + format + "\ntype: model\nname: t\ninputs:\n" + input + out
			+ "weights:\n  onnx:\n    source: m.onnx\n");
		return RdfReader.read(rdf);
	}

	private InputValueRange range(String format, String input) throws IOException {
		ModelDescription d = read(format, input);
		TensorDescription t = d.inputs().get(0);
		return DeclaredRanges.of(d.formatVersion(), t, Processings.preprocessing(t, "test"), 3);
	}

	@Test
	void rangesAreReadWithOpenEnds() throws IOException {
		assertEquals(List.of(new DataRange(Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY)),
			read("0.4.10", "  - name: i\n    axes: byxc\n    data_type: float32\n    data_range: [-.inf, .inf]\n    shape: [1, 32, 32, 3]\n")
				.inputs().get(0).dataRanges());
		assertEquals(List.of(new DataRange(0.0, null, "uint8", null), new DataRange(-1, 1), new DataRange(Double.NEGATIVE_INFINITY,
			Double.POSITIVE_INFINITY)), read("0.5.3", "  - id: i\n" + AXES_05
				+ "    data: [{type: uint8, range: [0, null]}, {type: float32, range: [-1, 1]}, {type: float32}]\n").inputs().get(0).dataRanges());
		assertEquals(List.of(), read("0.5.3", "  - id: i\n" + AXES_05).inputs().get(0).dataRanges());
	}

	/**
	 * A range that cannot be read, or that the spec allows but gives no interval (0.4's .nan, min above max, a single value),
	 * never refuses the package: only Feature Visualization uses the range, and it is told why. An output's range is not read
	 * at all; a data entry that is no mapping loads as before ranges were read (float32).
	 */
	@Test
	void malformedRangesLoadAndSayWhy() throws IOException {
		ModelDescription d = read("0.5.3", "  - id: i\n" + AXES_05 + "    data: {type: float32, range: [0, high]}\n");
		assertEquals("the package's input 'i' data.range cannot be read (rdf.yaml field inputs[0].data.range must be two numbers [min, max]"
			+ " (null or .inf for an open end), found '[0, high]'); give values_range", DeclaredRanges.of(d.formatVersion(), d.inputs().get(0),
				Processings.preprocessing(d.inputs().get(0), "test"), 3).source());
		assertEquals("the package's input 'i' data_range cannot be read (rdf.yaml field inputs[0].data_range must be two numbers [min, max]"
			+ " (null or .inf for an open end), found '[0]'); give values_range",
			range("0.4.10", "  - name: i\n    axes: byxc\n    data_type: float32\n    data_range: [0]\n    shape: [1, 32, 32, 3]\n").source());
		assertEquals("the package's input 'i' data_range [nan, 1] has an end that is not a number",
			range("0.4.10", "  - name: i\n    axes: byxc\n    data_type: float32\n    data_range: [.nan, 1]\n    shape: [1, 32, 32, 3]\n")
				.source());
		assertEquals("the package's input 'i' data.range [5, 1] has its minimum above its maximum",
			range("0.5.3", "  - id: i\n" + AXES_05 + "    data: {type: float32, range: [5, 1]}\n").source());
		assertEquals("the package's input 'i' data.range [5, 5] is the single value 5",
			range("0.5.3", "  - id: i\n" + AXES_05 + "    data: {type: float32, range: [5, 5]}\n").source());
		ModelDescription plain = read("0.5.3", "  - id: i\n" + AXES_05 + "    data: float32\n");
		assertEquals("float32", plain.inputs().get(0).dataType());
		assertEquals("the package's input 'i' data.range cannot be read (rdf.yaml field inputs[0].data is no mapping of type and range, found"
			+ " 'float32'); give values_range", DeclaredRanges.of(plain.formatVersion(), plain.inputs().get(0), Processings.preprocessing(
				plain.inputs().get(0), "test"), 3).source());
		Path rdf = tmp.resolve("output-range.yaml");
		Files.writeString(rdf, "format_version: 0.4.10\ntype: model\nname: t\ninputs:\n  - name: i\n    axes: byxc\n    data_type: float32\n"
			+ "    shape: [1, 32, 32, 3]\noutputs:\n  - name: p\n    axes: bc\n    data_type: float32\n    data_range: [zero, one]\n"
			+ "    shape: [1, 3]\nweights:\n  onnx:\n    source: m.onnx\n");
		assertEquals(List.of(), RdfReader.read(rdf).outputs().get(0).dataRanges(), "an output's range is not read");
	}

	/** The input's channel count may be unknown (below 1): one range is then taken for every channel, not refused. */
	@Test
	void anUnknownChannelCountTakesOneRange() throws IOException {
		ModelDescription d = read("0.5.3", "  - id: i\n" + AXES_05 + "    data: {type: float32, range: [0, 2]}\n");
		InputValueRange r = DeclaredRanges.of(d.formatVersion(), d.inputs().get(0), Processings.preprocessing(d.inputs().get(0), "test"), -1);
		assertTrue(r.usable(), r.source());
		assertEquals(0, r.lo());
		assertEquals(2, r.hi());
	}

	@Test
	void fixedStepsMapTheRangeAndOpenRangesAreNone() throws IOException {
		InputValueRange r = range("0.5.3", "  - id: i\n" + AXES_05 + """
			    data: {type: uint8, range: [10, 250]}
			    preprocessing:
			      - id: scale_linear
			        kwargs: {gain: -0.5, offset: 1.0}
			      - id: clip
			        kwargs: {min: -100, max: 0}
			      - id: ensure_dtype
			        kwargs: {dtype: float32}
			""");
		assertTrue(r.usable(), r.source());
		assertEquals(-100, r.lo());
		assertEquals(-4, r.hi());
		assertTrue(r.source().startsWith("declared by the package's input 'i' data.range [10, 250] through its preprocessing cast(uint8); "),
			r.source());
		assertNull(range("0.4.10", "  - name: i\n    axes: byxc\n    data_type: float32\n    data_range: [-.inf, .inf]\n    shape: [1, 32, 32, 3]\n"));
		assertNull(range("0.5.3", "  - id: i\n" + AXES_05 + "    data: {type: float32}\n"));
	}

	@Test
	void rangesWithoutAFixedPlaceAreRefusedWithTheReason() throws IOException {
		InputValueRange open = range("0.5.3", "  - id: i\n" + AXES_05 + "    data: {type: float32, range: [0, .inf]}\n");
		assertFalse(open.usable());
		assertEquals("the package's input 'i' data.range [0, inf] has an open end", open.source());
		// 0.5: an end left null is what the type can express
		assertEquals("the package's input 'i' data.range [0, null] leaves its maximum to the type (uint8: 255)",
			range("0.5.3", "  - id: i\n" + AXES_05 + "    data: {type: uint8, range: [0, null]}\n").source());
		assertEquals("the package's input 'i' data.range [null, 1] leaves its minimum to the type (float32)",
			range("0.5.3", "  - id: i\n" + AXES_05 + "    data: {type: float32, range: [null, 1]}\n").source());
		InputValueRange wraps = range("0.5.3", "  - id: i\n" + AXES_05 + """
			    data: {type: float32, range: [-1, 300]}
			    preprocessing:
			      - id: ensure_dtype
			        kwargs: {dtype: uint8}
			      - id: ensure_dtype
			        kwargs: {dtype: float32}
			""");
		assertFalse(wraps.usable());
		assertEquals("the package's input 'i' data.range [-1, 300] is before its preprocessing, whose step cast(uint8) wraps values outside"
			+ " [0, 255]", wraps.source());
		InputValueRange perChannel = range("0.5.3", "  - id: i\n" + AXES_05 + """
			    data: {type: float32, range: [0, 255]}
			    preprocessing:
			      - id: fixed_zero_mean_unit_variance
			        kwargs: {axis: channel, mean: [100, 110, 120], std: [50, 50, 50]}
			""");
		// one range through a per-channel normalisation (ImageNet-style RGB): a range per channel, each channel's own
		assertTrue(perChannel.usable() && perChannel.isPerChannel(), perChannel.source());
		assertArrayEquals(new double[] { -2, -2.2, -2.4 }, perChannel.channelLo(), 1e-9);
		assertArrayEquals(new double[] { 3.1, 2.9, 2.7 }, perChannel.channelHi(), 1e-9);
		assertEquals(-2.4, perChannel.lo(), 1e-9);
		assertEquals(3.1, perChannel.hi(), 1e-9);
		assertTrue(perChannel.source().startsWith("declared by the package's input 'i' data.range [0, 255] through its preprocessing ")
			&& perChannel.source().contains(", per channel [-2, 3.1") && perChannel.source().contains("], [-2.2, 2.9"), perChannel.source());
	}
}
