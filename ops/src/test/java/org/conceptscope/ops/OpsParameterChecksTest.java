package org.conceptscope.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import net.imglib2.RandomAccess;
import net.imglib2.RandomAccessibleInterval;
import net.imglib2.img.Img;
import net.imglib2.img.array.ArrayImgs;
import net.imglib2.type.numeric.integer.UnsignedByteType;
import net.imglib2.type.numeric.real.FloatType;

import org.conceptscope.attribution.AttributionMethod;
import org.conceptscope.attribution.ForGrad;
import org.conceptscope.attribution.GradientTimesInput;
import org.conceptscope.attribution.KernelShap;
import org.conceptscope.attribution.Lime;
import org.conceptscope.attribution.MaskedImage;
import org.conceptscope.attribution.Segmentation;
import org.conceptscope.attribution.SobolAttribution;
import org.conceptscope.attribution.TargetScore;
import org.conceptscope.concepts.ConceptBank;
import org.conceptscope.model.BundledModels;
import org.conceptscope.model.Classifier;
import org.conceptscope.registry.Family;
import org.conceptscope.registry.Parameter;
import org.conceptscope.registry.Registry;
import org.conceptscope.registry.Values;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.tensor.GridUpsampling;
import org.conceptscope.util.Progress;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The ops check their parameters as the commands do (the registry's declared ranges, types and
 * choices, one sentence naming the key, before any image is read), name their inputs with the
 * commands' macro keys, and reach every parameter the registry declares for a method: through an
 * input of its own or through the {@code options} text. Called through the ops index, as an engine
 * calls them, on the known-answer model.
 */
class OpsParameterChecksTest {

	static Map<String, OpIndex.Op> ops;
	static Classifier model;
	static Img<UnsignedByteType> image;
	/** An image no op can read for this one-channel model (3 channels): a refusal about a parameter came before the image was read. */
	static final Img<UnsignedByteType> UNREADABLE = ArrayImgs.unsignedBytes(32, 32, 3, 2);

	@BeforeAll
	static void load() throws Exception {
		URL yaml = OpsParameterChecksTest.class.getClassLoader().getResource(OpIndex.RESOURCE);
		ops = OpIndex.read(yaml).stream().collect(Collectors.toMap(OpIndex.Op::name, Function.identity()));
		model = (Classifier) ops.get("explain.model.open").call(BundledModels.dir("known-answer").toFile());
		image = AttributionOpsKnownAnswerTest.evidenceImage(32, 32, 1, 3);
	}

	@AfterAll
	static void close() {
		model.close();
	}

	private static void refused(String message, String op, Object... args) {
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ops.get(op).call(args), op);
		assertEquals(message, e.getMessage(), op);
	}

	/** What the commands refuse (the audit's cases among them), the ops refuse in the same words, before reading the image. */
	@Test
	void opsRefuseWhatTheCommandsRefuseNamingTheKey() {
		refused("blur_sigma must be a number at least 0, got -1.", "explain.attribution.sobol", model, UNREADABLE, 1, null, null, -1.0);
		refused("blur_sigma must be a number at least 0, got NaN.", "explain.attribution.sobol", model, UNREADABLE, 1, null, null, Double.NaN);
		refused("samples must be a whole number at least 0, got -5.", "explain.attribution.rise", model, UNREADABLE, 1, -5);
		refused("keep_probability must be a number in (0, 1], got 2.", "explain.attribution.rise", model, UNREADABLE, 1, null, null, 2.0);
		refused("noise must be a number at least 0, got -1.", "explain.attribution.smoothgrad", model, UNREADABLE, 1, null, -1.0);
		refused("steps must be a whole number at least 1, got 0.", "explain.attribution.integrated_gradients", model, UNREADABLE, 1, 0);
		refused("baseline must be a number, got NaN.", "explain.attribution.integrated_gradients", model, UNREADABLE, 1, null, Double.NaN);
		refused("epsilon must be a number above 0, got 0.", "explain.attribution.eva", model, UNREADABLE, 1, 0.0);
		refused("Unknown bounds 'exact': use one of interval, crown.", "explain.attribution.eva", model, UNREADABLE, 1, null, null, "exact");
		refused("patch must be a whole number at least 1, got 0.", "explain.attribution.occlusion", model, UNREADABLE, 1, 0);
		refused("forgrad_bandwidth must be a whole number at least 0, got -2.", "explain.attribution.forgrad", model, UNREADABLE, 1, -2);
		RandomAccessibleInterval<FloatType> map = ArrayImgs.floats(32, 32);
		refused("steps must be a whole number at least 1, got 0.", "explain.metrics.deletion", model, UNREADABLE, map, 1, 0);
		refused("steps must be a whole number at least 1, got 0.", "explain.metrics.insertion", model, UNREADABLE, map, 1, 0);
		refused("samples must be a whole number at least 2, got 1.", "explain.metrics.mufidelity", model, UNREADABLE, map, 1, 1);
		refused("grid must be a whole number at least 2, got 1.", "explain.metrics.mufidelity", model, UNREADABLE, map, 1, null, null, 1);
		refused("Unknown distance 'l3': use one of l2, l1.", "explain.metrics.stability", model, UNREADABLE, "saliency", 1, null, null, "l3");
		refused("radius must be a number above 0, got -1.", "explain.metrics.stability", model, UNREADABLE, "saliency", 1, -1.0);
		refused("designs must be a whole number at least 2, got 1.", "explain.concepts.importance", model, new ConceptBank(), UNREADABLE, "sobol", 1);
		refused("designs must be a whole number at least 2, got 1.", "explain.concepts.craft", model, UNREADABLE, 1, null, null, null, null, 1);
		refused("designs must be a whole number at least 2, got 1.", "explain.concepts.craft_per_class", model, UNREADABLE, null, null, null,
			null, null, null, null, 1);
		IllegalArgumentException estimator = assertThrows(IllegalArgumentException.class,
			() -> ops.get("explain.concepts.importance").call(model, new ConceptBank(), UNREADABLE, "shapley"));
		assertTrue(estimator.getMessage().contains("'shapley': use one of sobol, gradient, deletion."), estimator.getMessage());
		refused("concepts must be a whole number at least 2, got 1.", "explain.heads.bi_ice", model, UNREADABLE, List.of(1), null, 1);
		refused("iterations must be a whole number at least 1, got 0.", "explain.heads.bi_ice", model, UNREADABLE, List.of(1), null, null, null,
			null, 0);
		refused("sparsity must be a number at least 0, got -1.", "explain.heads.bi_ice", model, UNREADABLE, List.of(1), null, null, null, null,
			null, null, -1.0);
		// several problems at once, each named
		IllegalArgumentException two = assertThrows(IllegalArgumentException.class,
			() -> ops.get("explain.attribution.sobol").call(model, UNREADABLE, 1, 0, 1));
		assertEquals("2 problems:\n- grid must be a whole number at least 1, got 0.\n- designs must be a whole number at least 2, got 1.",
			two.getMessage());
	}

	/** An example value of a parameter other than its default, as macro text. */
	private static String otherValue(Parameter p) {
		return switch (p.type()) {
			case INTEGER -> Integer.toString((Integer) p.defaultValue() + 3);
			case LONG -> Long.toString((Long) p.defaultValue() + 5);
			case NUMBER -> {
				double d = (Double) p.defaultValue();
				yield Double.toString(d != 0 && p.range().contains(d / 2) ? d / 2 : d + 1.5);
			}
			case FLAG -> Boolean.toString(!(Boolean) p.defaultValue());
			case CHOICE -> p.choices().stream().filter(c -> !c.equals(p.defaultValue())).findFirst().orElseThrow();
			case TEXT -> "conv2/relu";
			case FOLDER, FILE -> throw new AssertionError(p.key());
		};
	}

	/**
	 * Each attribution op names its inputs with the macro keys of its method (of the declared Java
	 * type), and every other parameter the registry declares for the method is reachable through
	 * {@code options}: given there, the value built into the method is the one given.
	 */
	@Test
	void everyParameterOfEveryAttributionMethodIsReachableFromItsOp() {
		int viaOptions = 0;
		for (OpIndex.Op op : ops.values()) {
			if (!op.name().startsWith("explain.attribution.")) continue;
			String name = op.name().substring("explain.attribution.".length()), key = AttributionOps.key(name);
			List<Parameter> used = Registry.parameters(Family.ATTRIBUTION).usedBy(key);
			List<String> usedKeys = used.stream().map(Parameter::key).toList();
			Map<String, OpIndex.Param> inputs = op.params().stream().collect(Collectors.toMap(OpIndex.Param::name, Function.identity()));
			assertEquals("options", op.params().get(op.params().size() - 1).name(), op.name() + ": options is the last input");
			for (OpIndex.Param in : op.params().subList(3, op.params().size() - 1)) {
				assertTrue(usedKeys.contains(in.name()), op.name() + ": input " + in.name() + " is not a macro key of " + key + " " + usedKeys);
			}
			for (Parameter p : used) {
				OpIndex.Param in = inputs.get(p.key());
				if (in != null) {
					assertEquals(p.type().javaType().getName(), in.type(), op.name() + " input " + p.key());
					continue;
				}
				if (name.equals("forgrad") && p.key().equals("forgrad")) continue; // the op is FORGrad on
				String text = otherValue(p);
				Values v = AttributionOps.values(name, Map.of(), p.key() + "=" + text);
				assertEquals(p.parse(text), v.get(p.key()), op.name() + " options " + p.key() + "=" + text);
				assertNotEquals(p.defaultValue(), v.get(p.key()), op.name() + " " + p.key());
				Registry.attribution(key, v); // a valid value: the method builds
				viaOptions++;
			}
		}
		// sobol: per_channel, upsampling; hsic: upsampling; lime: keep_probability, blur_sigma, segments, superpixels; kernel_shap:
		// blur_sigma, segments, superpixels, efficiency; the eight gradient methods: forgrad, forgrad_bandwidth (the forgrad op: forgrad on, its bandwidth an input)
		assertEquals(2 + 1 + 4 + 4 + 8 * 2, viaOptions);
	}

	/** The metric ops and Bi-ICE's name their inputs with the registry's keys, of the declared types. */
	@Test
	void metricAndHeadInputsAreTheMacroKeys() {
		for (String metric : Registry.keys(Family.METRIC)) {
			OpIndex.Op op = ops.get("explain.metrics." + metric);
			List<String> used = Registry.parameters(Family.METRIC).usedBy(metric).stream().map(Parameter::key).toList();
			for (OpIndex.Param in : op.params()) {
				if (!in.nullable() || in.name().equals("target")) continue;
				assertTrue(used.contains(in.name()), op.name() + ": input " + in.name() + " is not a macro key of " + metric + " " + used);
				assertEquals(Registry.parameters(Family.METRIC).get(in.name()).type().javaType().getName(), in.type(), op.name() + " " + in.name());
			}
		}
		List<String> biIce = ops.get("explain.heads.bi_ice").params().stream().map(OpIndex.Param::name).toList();
		assertTrue(biIce.containsAll(Registry.parameters(Family.HEAD).keys()), biIce.toString());
		assertTrue(ops.get("explain.examples.nearest").params().stream().anyMatch(p -> p.name().equals("neighbours")));
		assertTrue(ops.get("explain.examples.prototypes").params().stream().anyMatch(p -> p.name().equals("prototypes")));
	}

	private static float[] data(Object map) {
		@SuppressWarnings("unchecked")
		RandomAccessibleInterval<FloatType> m = (RandomAccessibleInterval<FloatType>) map;
		int w = (int) m.dimension(0), h = (int) m.dimension(1);
		float[] out = new float[w * h];
		RandomAccess<FloatType> ra = m.randomAccess();
		for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) out[y * w + x] = ra.setPositionAndGet(x, y).get();
		return out;
	}

	private static float[] direct(AttributionMethod m) {
		FloatTensor x = OpImages.read(model, image).tensor();
		return m.explain(model, x, new int[] { 1 }, Progress.NONE).maps().data();
	}

	/** Parameters with no input of their own, given in options, reach the method classes with those values. */
	@Test
	void optionsReachTheMethodClasses() {
		float[] nearest = data(ops.get("explain.attribution.sobol").call(model, image, 1, 4, 8, null, 3L, "per_channel=true upsampling=nearest"));
		assertArrayEquals(direct(new SobolAttribution(4, 8, MaskedImage.constant(0), true, 3, TargetScore.LOGIT, GridUpsampling.NEAREST)), nearest);
		// nearest upsampling: one constant per cell of the 4 x 4 grid (8 x 8 pixels), as given
		for (int y = 0; y < 32; y++) for (int x = 0; x < 32; x++) assertEquals(nearest[(y / 8 * 8) * 32 + x / 8 * 8], nearest[y * 32 + x], 0, x + "," + y);
		assertFalse(java.util.Arrays.equals(nearest, data(ops.get("explain.attribution.sobol").call(model, image, 1, 4, 8, null, 3L))),
			"the default (bicubic) map differs");
		Segmentation slic = Segmentation.slic(16, 0.1);
		assertArrayEquals(direct(new Lime(150, slic, MaskedImage.blur(1), 0.25, Lime.Distance.INTERPRETABLE, Lime.DEFAULT_WIDTH, Lime.DEFAULT_RIDGE,
			42, TargetScore.LOGIT)), data(ops.get("explain.attribution.lime").call(model, image, 1, null, null, null,
				"segments=slic superpixels=16 keep_probability=0.25 blur_sigma=1")));
		assertArrayEquals(direct(new KernelShap(200, slic, MaskedImage.constant(0), 42)),
			data(ops.get("explain.attribution.kernel_shap").call(model, image, 1, 200, null, null, "segments=slic superpixels=[16]")));
		// efficiency=exact: the constrained fit (the same samples), not Captum's 10^6 endpoint weights; the explicit default is the default
		float[] exact = data(ops.get("explain.attribution.kernel_shap").call(model, image, 1, 200, 4, null, "efficiency=exact"));
		assertArrayEquals(direct(new KernelShap(200, Segmentation.grid(4), MaskedImage.constant(0), 42, TargetScore.LOGIT, true)), exact);
		float[] captum = data(ops.get("explain.attribution.kernel_shap").call(model, image, 1, 200, 4, null, "efficiency=captum"));
		assertArrayEquals(direct(new KernelShap(200, Segmentation.grid(4), MaskedImage.constant(0), 42)), captum);
		assertArrayEquals(captum, data(ops.get("explain.attribution.kernel_shap").call(model, image, 1, 200, 4, null, null)));
		assertFalse(java.util.Arrays.equals(exact, captum), "the option changes the map");
		assertArrayEquals(direct(new ForGrad(new GradientTimesInput(), 3)),
			data(ops.get("explain.attribution.gradient_x_input").call(model, image, 1, "forgrad=true forgrad_bandwidth=3")));
	}

	/** Mistakes in the options text get one sentence naming the op and the key. */
	@Test
	void optionTextMistakesAreNamed() {
		String sobol = "explain.attribution.sobol";
		IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ops.get(sobol).call(model, image, 1, null, null, null, null,
			"segments=slic"));
		assertEquals("explain.attribution.sobol has no option 'segments': its options are seed, grid, designs, blur_sigma, per_channel, upsampling.",
			e.getMessage());
		refused("explain.attribution.sobol: grid is given both as an input and in options; give it once.", sobol, model, image, 1, 4, null, null,
			null, "grid=2");
		refused("explain.attribution.sobol: 'grid' is given twice in options; give it once.", sobol, model, image, 1, null, null, null, null,
			"grid=2 grid=3");
		refused("Unknown upsampling 'cubic': use one of " + String.join(", ", GridUpsampling.keys()) + ".", sobol, model, image, 1, null, null,
			null, null, "upsampling=cubic");
		refused("Unknown efficiency 'infinite': use one of captum, exact.", "explain.attribution.kernel_shap", model, image, 1, null, null, null,
			"efficiency=infinite");
		refused("keep_probability must be a number in (0, 1], got 0.", "explain.attribution.lime", model, image, 1, null, null, null,
			"keep_probability=0");
		refused("blur_sigma must be a number at least 0, got '0,5': write decimals with a point, as in 0.5.", "explain.attribution.lime", model,
			image, 1, null, null, null, "blur_sigma=0,5");
		refused("explain.attribution.forgrad: forgrad is given both as an input and in options; give it once.", "explain.attribution.forgrad",
			model, image, 1, null, "forgrad=false");
		refused("explain.attribution.gradcam: the value of 'layer' opens '[' but never closes it.", "explain.attribution.gradcam", model, image,
			1, null, "layer=[conv2");
		refused("explain.attribution.saliency has no option 'grid': its options are forgrad, forgrad_bandwidth.", "explain.attribution.saliency",
			model, image, 1, "grid=4");
	}
}
