package org.conceptscope.registry;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.conceptscope.attribution.AttributionMethod;
import org.conceptscope.attribution.ForGrad;
import org.conceptscope.attribution.GradCam;
import org.conceptscope.attribution.GradientTimesInput;
import org.conceptscope.attribution.GuidedGradient;
import org.conceptscope.attribution.HsicAttribution;
import org.conceptscope.attribution.InputBound;
import org.conceptscope.attribution.IntegratedGradients;
import org.conceptscope.attribution.KernelShap;
import org.conceptscope.attribution.Lime;
import org.conceptscope.attribution.MaskedImage;
import org.conceptscope.attribution.NoisyGradients;
import org.conceptscope.attribution.Occlusion;
import org.conceptscope.attribution.Rise;
import org.conceptscope.attribution.Saliency;
import org.conceptscope.attribution.Segmentation;
import org.conceptscope.attribution.SobolAttribution;
import org.conceptscope.attribution.TargetScore;
import org.conceptscope.concepts.ConceptEstimator;
import org.conceptscope.heads.BiIce;
import org.conceptscope.heads.HeadTrainer;
import org.conceptscope.heads.InfoDisent;
import org.conceptscope.metrics.AverageStability;
import org.conceptscope.metrics.Deletion;
import org.conceptscope.metrics.Insertion;
import org.conceptscope.metrics.MapMetrics;
import org.conceptscope.metrics.MapStatistics;
import org.conceptscope.metrics.MaskedConfidence;
import org.conceptscope.metrics.MegeReco;
import org.conceptscope.metrics.Metric;
import org.conceptscope.metrics.MuFidelity;
import org.conceptscope.metrics.Reference;
import org.conceptscope.metrics.SanityCheck;
import org.conceptscope.mechanistic.SrdAttribution;
import org.conceptscope.tensor.GridUpsampling;
import org.conceptscope.verify.BoundMethod;
import org.conceptscope.verify.Eva;

/**
 * Every method a user can pick by key, by family: attribution methods, metrics, concept
 * estimators, interpretable heads. Each family declares its parameters once
 * ({@link #parameters(Family)}); an entry lists the keys declared for it and builds the method from
 * {@link Values}. Adding a method means one class, one entry here and its test.
 */
public final class Registry {

	private static final String GRADIENTS = "Gradients", PERTURBATION = "Perturbation", VERIFICATION = "Verification",
		SURROGATE = "Surrogate", FILTER = "Filter";

	/** Attribution methods that are gradients of the input (FORGrad filters their maps). */
	public static final List<String> GRADIENT_METHODS = List.of("saliency", "gradient_x_input", "integrated_gradients", "smoothgrad",
		"vargrad", "squaregrad", "guided_backprop", "deconvnet");

	/** MuFidelity's removed fraction of the grid's cells (Xplique's subset_percent). */
	public static final double MUFIDELITY_FRACTION = 0.2;

	private static final String[] NOISY = { "smoothgrad", "vargrad", "squaregrad" };

	/** The attribution methods' parameters, in dialog order. */
	public static final Parameters ATTRIBUTION_PARAMETERS = bounded(
		Parameter.integer("steps", "Steps (Integrated Gradients)", 32).range(Range.atLeast(1)).section(GRADIENTS)
			.help("steps along the path from the baseline to the image (midpoint rule); raise it when the results' relative_gap is not small")
			.methods("integrated_gradients"),
		Parameter.number("baseline", "Baseline value", 0).section(GRADIENTS)
			.help("the baseline (integrated_gradients) and the occluding patch value (occlusion), in the model's normalised input units")
			.methods("integrated_gradients", "occlusion"),
		Parameter.integer("samples", "Samples (0 = method default)", 0).range(Range.atLeast(0)).section(GRADIENTS)
			.help("0 = the method's default: noisy copies for smoothgrad, vargrad, squaregrad (50); masks for rise (1000); designs for hsic"
				+ " (1000); perturbed samples for lime (150) and kernel_shap (800)")
			.methods("smoothgrad", "vargrad", "squaregrad", "rise", "hsic", "lime", "kernel_shap"),
		Parameter.number("noise", "Noise (fraction of range)", 0.15).range(Range.atLeast(0)).section(GRADIENTS)
			.help("noise sigma as a fraction of the value range")
			.methods(NOISY),
		Parameter.longInteger("seed", "Random seed", 42).section(GRADIENTS)
			.help("every random choice: same seed, same map")
			.methods("smoothgrad", "vargrad", "squaregrad", "rise", "sobol", "hsic", "lime", "kernel_shap"),
		Parameter.text("layer", "Layer (empty = last spatial)", "").section(GRADIENTS)
			.help("a spatial layer listed by Model Info; empty = the last spatial layer")
			.methods("gradcam", "gradcam_plus_plus"),
		Parameter.text(SrdAttribution.START_LAYER, "SRD start layer (empty = input pixels)", "").section(GRADIENTS)
			.help("the spatial layer whose PFVs the decomposition of the logit stops at (each PFV's share, upsampled bilinearly to"
				+ " the image: a coarser map); empty = the input pixels, as the paper's maps")
			.methods("srd"),
		Parameter.integer("patch", "Patch size (pixels)", 8).range(Range.atLeast(1)).section(PERTURBATION)
			.help("size of the occluding square patch, in pixels")
			.methods("occlusion"),
		Parameter.integer("stride", "Stride (pixels)", 4).range(Range.atLeast(1)).section(PERTURBATION)
			.help("step between occluding patches, in pixels")
			.methods("occlusion"),
		Parameter.integer("grid", "Grid (cells per side)", 8).range(Range.atLeast(1)).section(PERTURBATION)
			.help("cells per side (of the masks; of the verified regions for eva; of the segments for lime and kernel_shap)")
			.methods("rise", "sobol", "hsic", "eva", "lime", "kernel_shap"),
		Parameter.integer("designs", "Sobol designs", 32).range(Range.atLeast(2)).section(PERTURBATION)
			.help("quasi-Monte Carlo designs (the model runs designs \u00d7 (grid\u00b2 + 2) times per slice)")
			.methods("sobol"),
		Parameter.number("keep_probability", "Keep probability", 0.5).range(Range.aboveUpTo(0, 1)).section(PERTURBATION)
			.help("probability that a mask cell (rise) or a segment (lime, strictly below 1) is kept")
			.methods("rise", "lime"),
		Parameter.number("blur_sigma", "Blur sigma (0 = zeros)", 0).range(Range.atLeast(0)).section(PERTURBATION)
			.help("0 replaces masked cells by 0, > 0 by the image blurred with this sigma (pixels)")
			.methods("sobol", "hsic", "lime", "kernel_shap"),
		Parameter.flag("per_channel", "Per channel", false).section(PERTURBATION)
			.help("one mask per channel (`per_channel=true`, as recorded; a bare word turns it on too)")
			.methods("sobol"),
		Parameter.choice("upsampling", "Upsampling", GridUpsampling.SENSITIVITY_DEFAULT.key(), GridUpsampling.keys()).section(PERTURBATION)
			.help("how the per-cell indices become a map of the image's size: `bicubic` (Xplique's choice; may dip slightly below 0 next to"
				+ " a large cell), `bilinear` (never outside the cells' range, so non-negative indices give a non-negative map) or `nearest`"
				+ " (one constant block per cell: the estimates as computed)")
			.methods("sobol", "hsic"),
		Parameter.choice("segments", "Segments", "grid", List.of("grid", "slic")).section(SURROGATE)
			.help("`grid` (`grid` \u00d7 `grid` cells) or `slic` (SLIC superpixels that follow the image's edges, compactness 0.1 on the [0, 1]-scaled"
				+ " image)")
			.methods("lime", "kernel_shap"),
		Parameter.integer("superpixels", "Superpixels", 64).range(Range.atLeast(1)).section(SURROGATE)
			.help("with `segments=slic`: about this many superpixels")
			.methods("lime", "kernel_shap"),
		Parameter.choice(KernelShap.EFFICIENCY, "Efficiency", KernelShap.EFFICIENCY_CAPTUM, KernelShap.EFFICIENCY_CHOICES).section(SURROGATE)
			.help("how Kernel SHAP holds its two endpoint samples (every segment kept, every segment replaced): `captum` (weight 10\u2076, as"
				+ " Captum does it: the values add up to f(image) \u2212 f(replaced) up to a gap of about 10\u207b\u2075 of it) or"
				+ " `exact` (the paper's infinite weight, solved as the shap library does: they add up to it to rounding; see"
				+ " [Kernel SHAP](../methods/kernel_shap.md))")
			.methods("kernel_shap"),
		Parameter.flag("forgrad", "FORGrad filter", false).section(FILTER)
			.help("FORGrad (Muzellec et al. 2023): low-pass filter the map in Fourier space (`forgrad=true`)")
			.methods(GRADIENT_METHODS.toArray(String[]::new)),
		Parameter.integer("forgrad_bandwidth", "FORGrad bandwidth (0 = scaled)", 0).range(Range.atLeast(0)).section(FILTER)
			.help("with `forgrad`: frequencies kept within this radius; 0 = Xplique's 15 at 224 pixels, scaled to the image (2 at 32)")
			.methods(GRADIENT_METHODS.toArray(String[]::new)),
		Parameter.number("epsilon", "Epsilon (normalised units)", 0.01).range(Range.above(0)).section(VERIFICATION)
			.help("radius of the L-infinity ball around each slice, in the model's normalised input units (0.01 = 2.55 grey levels of"
				+ " an 8-bit image under `unit_range`; 10 HU for the CT model)")
			.methods("eva"),
		Parameter.choice("bounds", "Bounds", "interval", List.of("interval", "crown")).section(VERIFICATION)
			.help("`interval` (interval bound propagation: fast, loose) or `crown` (CROWN linear bounds: 3.5\u201313\u00d7 tighter margin bounds"
				+ " on the bundled CNNs, about 1.2 s more per 32\u00d732\u00d73 slice at grid 8; see [Verified bounds and EVA](../methods/eva.md))")
			.methods("eva"));

	/** The metrics' parameters. */
	public static final Parameters METRIC_PARAMETERS = Parameters.of(
		// deletion's, insertion's and MuFidelity's defaults are Xplique's (steps=10; grid_size=9, nb_samples=200)
		Parameter.integer("steps", "Steps", 10).range(Range.atLeast(1)).atMost(InputBound.STEPS)
			.help("Deletion and insertion: pixels removed or added in this many equal steps.").methods("deletion", "insertion"),
		Parameter.integer("samples", "Samples", 200).range(Range.atLeast(2))
			.help("MuFidelity: random subsets of grid cells removed.").methods("mufidelity"),
		Parameter.integer("grid", "Grid (cells per side)", 9).range(Range.atLeast(2)).atMost(InputBound.METRIC_GRID)
			.help("MuFidelity: cells per side of the grid whose cells are removed.").methods("mufidelity"),
		Parameter.number("radius", "Noise radius", AverageStability.DEFAULT_RADIUS).range(Range.above(0))
			.help("Stability: noise uniform in [0, radius) in normalised units.").methods("stability"),
		Parameter.integer("neighbours", "Neighbours", AverageStability.DEFAULT_SAMPLES).range(Range.atLeast(1))
			.help("Stability: noisy neighbours per image.").methods("stability"),
		Parameter.choice("distance", "Distance", "l2", List.of("l2", "l1"))
			.help("Stability: distance between two maps.").methods("stability"),
		Parameter.longInteger("seed", "Random seed", 42)
			.help("Seed of the order of equal pixels, random subsets, weights, noise, folds or other classes.").methods("deletion", "insertion",
				"mufidelity", "sanity", "stability", "mege_reco", "random_logit"),
		Parameter.flag("cascade", "Cascading randomisation", false)
			.help("sanity: randomise the layers one more at a time, the layer nearest the logits first (Adebayo et al.'s cascade):"
				+ " one row per step with Spearman of the absolute and of the signed maps, SSIM and HOG correlation; the value is the last step's,"
				+ " every layer randomised.").methods("sanity"),
		Parameter.flag("independent", "Independent randomisation", false)
			.help("sanity: randomise one layer at a time, the others keeping their trained weights, the layer nearest the logits first"
				+ " (Adebayo et al.'s independent randomisation): one row per layer as with `cascade` (not with it); the value is that"
				+ " of the copy with every layer randomised, one step more.").methods("sanity"),
		Parameter.folder("folder", "Labelled images")
			.help("mege_reco: a folder with one subfolder of images per class, named after the model's classes.").methods("mege_reco"),
		Parameter.text("methods", "Methods compared", "saliency,integrated_gradients,random")
			.help("mege_reco: attribution methods (and random) compared, separated by commas.").methods("mege_reco"),
		Parameter.integer("folds", "Folds", 4).range(Range.atLeast(2))
			.help("mege_reco: folds, one model trained on all but each.").methods("mege_reco"),
		Parameter.text("architecture", "Architecture (empty = recorded)", "")
			.help("mege_reco: the architecture of the models trained; empty: the one in the model's conceptscope.json.").methods("mege_reco"),
		Parameter.integer("training_steps", "Training steps", 300).range(Range.atLeast(1))
			.help("mege_reco: training steps per fold model.").methods("mege_reco"));

	/** The concept importance estimators' parameters. */
	public static final Parameters CONCEPT_ESTIMATOR_PARAMETERS = Parameters.of(
		Parameter.integer("designs", "Sobol designs", 32).range(Range.atLeast(2))
			.help("Quasi-Monte Carlo designs of the Sobol estimator.").methods("sobol"),
		Parameter.longInteger("seed", "Random seed", 42).help("Seed of the Sobol designs.").methods("sobol"));

	/** The interpretable heads' parameters. */
	public static final Parameters HEAD_PARAMETERS = Parameters.of(
		Parameter.integer("concepts", "Concepts", 6).range(Range.atLeast(2))
			.help("Bi-ICE: concept vectors the patches choose among.").methods("bi_ice"),
		Parameter.integer("dimension", "Concept dimension", 16).range(Range.atLeast(BiIce.MIN_DIMENSION))
			.help("Bi-ICE: size of the shared concept/patch embedding.").methods("bi_ice"),
		Parameter.number("sparsity", "Sparsity", BiIce.DEFAULT_SPARSITY).range(Range.atLeast(0))
			.help("Bi-ICE: weight of the L1 penalty on the concepts' directions in the layer's channels.").methods("bi_ice"),
		Parameter.integer("iterations", "Binding iterations", BiIce.DEFAULT_ITERATIONS).range(Range.atLeast(1))
			.help("Bi-ICE: rounds of bidirectional binding (concepts attend to the patches, patches receive the concepts back,"
				+ " concepts updated); 1: one static round; the published model iterates (e.g. 3).").methods("bi_ice"));

	/** The attribution parameters with their bounds on the input ({@link InputBound}, declared there), for the docs tables. */
	private static Parameters bounded(Parameter... parameters) {
		return Parameters.of(Arrays.stream(parameters).map(p -> InputBound.of(p.key()).map(p::atMost).orElse(p)).toArray(Parameter[]::new));
	}

	private static final Map<Family, Parameters> PARAMETERS = new EnumMap<>(Map.of(Family.ATTRIBUTION, ATTRIBUTION_PARAMETERS,
		Family.METRIC, METRIC_PARAMETERS, Family.CONCEPT_ESTIMATOR, CONCEPT_ESTIMATOR_PARAMETERS, Family.HEAD, HEAD_PARAMETERS));

	private static final Map<Family, Map<String, MethodEntry>> ENTRIES = new EnumMap<>(Family.class);

	static {
		for (Family f : Family.values()) ENTRIES.put(f, new LinkedHashMap<>());
		org.conceptscope.model.ForwardOnlyMethods.lend(Registry::forwardOnlyMethods);
		InputBound.labels((scope, m) -> {
			Family f = scope == InputBound.Scope.METRIC ? Family.METRIC : Family.ATTRIBUTION;
			return has(f, m) ? get(f, m).label() : m;
		});
		attribution("saliency", "Saliency", Saliency.class, "Simonyan et al. 2014", Map.of(), v -> new Saliency());
		attribution("gradient_x_input", "Gradient \u00d7 Input", GradientTimesInput.class, "Shrikumar et al. 2016", Map.of(),
			v -> new GradientTimesInput());
		attribution("integrated_gradients", "Integrated Gradients", IntegratedGradients.class, "Sundararajan et al. 2017", Map.of(),
			v -> new IntegratedGradients(v.integer("steps"), (float) v.number("baseline")));
		for (NoisyGradients.Statistic st : NoisyGradients.Statistic.values()) {
			String key = switch (st) {
				case SMOOTH_GRAD -> "smoothgrad";
				case VAR_GRAD -> "vargrad";
				case SQUARE_GRAD -> "squaregrad";
			};
			String label = switch (st) {
				case SMOOTH_GRAD -> "SmoothGrad";
				case VAR_GRAD -> "VarGrad";
				case SQUARE_GRAD -> "SquareGrad";
			};
			attribution(key, label, NoisyGradients.class, st == NoisyGradients.Statistic.SMOOTH_GRAD ? "Smilkov et al. 2017"
				: "Adebayo et al. 2018; Hooker et al. 2019", Map.of("samples", 50),
				v -> new NoisyGradients(st, v.positiveOr("samples", 50), v.number("noise"), v.longValue("seed")));
		}
		attribution("gradcam", "Grad-CAM", GradCam.class, "Selvaraju et al. 2017", Map.of(), v -> new GradCam(v.text("layer"), false));
		attribution("gradcam_plus_plus", "Grad-CAM++", GradCam.class, "Chattopadhay et al. 2018", Map.of(),
			v -> new GradCam(v.text("layer"), true));
		attribution("occlusion", "Occlusion", Occlusion.class, "Zeiler and Fergus 2014", Map.of(),
			v -> new Occlusion(v.integer("patch"), v.integer("stride"), (float) v.number("baseline")));
		attribution("rise", "RISE", Rise.class, "Petsiuk et al. 2018", Map.of("samples", 1000),
			v -> new Rise(v.positiveOr("samples", 1000), v.integer("grid"), v.number("keep_probability"), v.longValue("seed")));
		attribution("sobol", "Sobol attribution", SobolAttribution.class, "Fel et al. 2021", Map.of(),
			v -> new SobolAttribution(v.integer("grid"), v.integer("designs"), perturbation(v), v.flag("per_channel"), v.longValue("seed"),
				TargetScore.LOGIT, GridUpsampling.parse(v.text("upsampling"))));
		attribution("hsic", "HSIC attribution", HsicAttribution.class, "Novello et al. 2022", Map.of("samples", 1000),
			v -> new HsicAttribution(v.integer("grid"), v.positiveOr("samples", 1000), perturbation(v), v.longValue("seed"), TargetScore.LOGIT,
				GridUpsampling.parse(v.text("upsampling"))));
		attribution("eva", "EVA (verified perturbation analysis)", Eva.class, "Fel et al. 2023", Map.of(),
			v -> new Eva(v.number("epsilon"), v.integer("grid"), BoundMethod.parse(v.text("bounds"))));
		attribution("lime", "LIME", Lime.class, "Ribeiro et al. 2016", Map.of("samples", Lime.DEFAULT_SAMPLES),
			v -> new Lime(v.positiveOr("samples", Lime.DEFAULT_SAMPLES), segments(v), perturbation(v),
				v.number("keep_probability"), Lime.Distance.INTERPRETABLE, Lime.DEFAULT_WIDTH, Lime.DEFAULT_RIDGE, v.longValue("seed"),
				TargetScore.LOGIT));
		attribution("kernel_shap", "Kernel SHAP", KernelShap.class, "Lundberg and Lee 2017", Map.of("samples", KernelShap.DEFAULT_SAMPLES),
			v -> new KernelShap(v.positiveOr("samples", KernelShap.DEFAULT_SAMPLES), segments(v), perturbation(v),
				v.longValue("seed"), TargetScore.LOGIT, KernelShap.EFFICIENCY_EXACT.equals(v.text(KernelShap.EFFICIENCY))));
		attribution("guided_backprop", "Guided Backpropagation", GuidedGradient.class, "Springenberg et al. 2015", Map.of(),
			v -> GuidedGradient.guidedBackprop());
		attribution("deconvnet", "DeconvNet", GuidedGradient.class, "Zeiler and Fergus 2014", Map.of(), v -> GuidedGradient.deconvNet());
		attribution("srd", "Sharing Ratio Decomposition", SrdAttribution.class, "Han et al. 2024", Map.of(), v -> new SrdAttribution(v.text(SrdAttribution.START_LAYER)));

		// the seed orders pixels of equal attribution (a flat region of the map)
		metric("deletion", "Deletion", Deletion.class, "Petsiuk et al. 2018",
			v -> new Deletion(v.integer("steps"), Reference.constant(0f), Deletion.DEFAULT_BATCH, v.longValue("seed")));
		metric("insertion", "Insertion", Insertion.class, "Petsiuk et al. 2018",
			v -> new Insertion(v.integer("steps"), Reference.constant(0f), Deletion.DEFAULT_BATCH, v.longValue("seed")));
		metric("mufidelity", "MuFidelity", MuFidelity.class, "Bhatt et al. 2020",
			v -> new MuFidelity(v.integer("grid"), MUFIDELITY_FRACTION, v.integer("samples"), 0f, v.longValue("seed"), TargetScore.LOGIT));
		metric("sanity", "Sanity check (weight randomisation)", SanityCheck.class, "Adebayo et al. 2018",
			v -> SanityCheck.randomizing(v.longValue("seed"), SanityCheck.Randomization.of(v.flag("cascade"), v.flag("independent"))));
		metric("stability", "Average stability", AverageStability.class, "Bhatt et al. 2020",
			v -> new AverageStability(v.number("radius"), v.integer("neighbours"),
				AverageStability.Distance.valueOf(v.text("distance").toUpperCase(java.util.Locale.ROOT)), v.longValue("seed")));
		metric("mege_reco", "MeGe and ReCo", MegeReco.class, "Fel et al. 2022", null);
		metric("average_drop", "Average Drop", Metric.class, "Chattopadhay et al. 2018",
			v -> MapMetrics.masked(MaskedConfidence.Kind.AVERAGE_DROP));
		metric("increase_in_confidence", "Increase in Confidence", Metric.class, "Chattopadhay et al. 2018",
			v -> MapMetrics.masked(MaskedConfidence.Kind.INCREASE_IN_CONFIDENCE));
		metric("random_logit", "Random logit", Metric.class, "Adebayo et al. 2018; Sixt et al. 2020", v -> MapMetrics.randomLogit(v.longValue("seed")));
		metric("complexity", "Complexity", Metric.class, "Bhatt et al. 2020", v -> MapMetrics.statistic(MapStatistics.Kind.COMPLEXITY));
		metric("sparseness", "Sparseness", Metric.class, "Chalasani et al. 2020", v -> MapMetrics.statistic(MapStatistics.Kind.SPARSENESS));

		estimator("sobol", "Sobol total indices", "Fel et al. 2023 (CRAFT)", v -> ConceptEstimator.sobol(v.integer("designs"), v.longValue("seed")));
		// CRAFT estimates importance with Sobol indices only; gradient x input and occlusion on the concepts are the holistic paper's
		estimator("gradient", "Gradient \u00d7 coefficient", "Fel et al. 2023 (holistic concept importance, NeurIPS)", v -> ConceptEstimator.gradient());
		estimator("deletion", "Concept deletion", "Fel et al. 2023 (holistic concept importance, NeurIPS)", v -> ConceptEstimator.deletion());

		head("infodisent", "InfoDisent", InfoDisent.class, "Struski et al. 2024",
			v -> (HeadTrainer) (f, layer, labels, classes, opt, p) -> InfoDisent.train(f, layer, labels, classes, opt, p));
		head("bi_ice", "Bi-ICE", BiIce.class, "Hong et al. 2024", v -> (HeadTrainer) (f, layer, labels, classes, opt, p) -> BiIce.train(f, layer,
			labels, classes, v.integer("concepts"), v.integer("dimension"), v.number("sparsity"), v.integer("iterations"), opt, p));
	}

	private Registry() {}

	private static void attribution(String key, String label, Class<?> type, String reference, Map<String, Object> defaults,
		Function<Values, AttributionMethod> factory) {
		Function<Values, AttributionMethod> wrapped = GRADIENT_METHODS.contains(key) ? v -> forgrad(factory.apply(v), v) : factory;
		add(Family.ATTRIBUTION, key, label, type, reference, defaults, wrapped);
	}

	private static AttributionMethod forgrad(AttributionMethod m, Values v) {
		return v.flag("forgrad") ? new ForGrad(m, v.integer("forgrad_bandwidth")) : m;
	}

	private static void metric(String key, String label, Class<?> type, String reference, Function<Values, Metric> factory) {
		add(Family.METRIC, key, label, type, reference, Map.of(), factory);
	}

	private static void estimator(String key, String label, String reference, Function<Values, ConceptEstimator> factory) {
		add(Family.CONCEPT_ESTIMATOR, key, label, ConceptEstimator.class, reference, Map.of(), factory);
	}

	private static void head(String key, String label, Class<?> type, String reference, Function<Values, HeadTrainer> factory) {
		add(Family.HEAD, key, label, type, reference, Map.of(), factory);
	}

	private static void add(Family family, String key, String label, Class<?> type, String reference, Map<String, Object> defaults,
		Function<Values, ?> factory) {
		List<String> keys = PARAMETERS.get(family).declaredFor(key);
		if (ENTRIES.get(family).put(key, new MethodEntry(key, label, family, type, keys, defaults, reference, factory)) != null) {
			throw new IllegalStateException(family.label() + " registered twice: " + key);
		}
	}

	/** SLIC compactness on the jointly [0, 1]-scaled image: skimage's default of 10 on CIELAB's 0..100. */
	static final double SLIC_COMPACTNESS = 0.1;

	/** LIME's and Kernel SHAP's segments: grid x grid cells, or SLIC superpixels. */
	private static Segmentation segments(Values v) {
		return "slic".equals(v.text("segments")) ? Segmentation.slic(v.integer("superpixels"), SLIC_COMPACTNESS) : Segmentation.grid(v.integer("grid"));
	}

	/** What masked pixels become: 0, or the blurred image when blur_sigma > 0. */
	private static MaskedImage perturbation(Values v) {
		double sigma = v.number("blur_sigma");
		return sigma > 0 ? MaskedImage.blur(sigma) : MaskedImage.constant(0);
	}

	private static volatile List<String> forwardOnly;

	/**
	 * The labels of the attribution methods a forward-only model (ONNX) runs ({@link AttributionMethod#forwardOnly}), in menu
	 * order, for the sentence that refuses the others.
	 */
	public static List<String> forwardOnlyMethods() {
		List<String> out = forwardOnly;
		if (out == null) {
			List<String> labels = new ArrayList<>();
			for (MethodEntry e : ENTRIES.get(Family.ATTRIBUTION).values()) {
				if (e.creatable() && attribution(e.key(), Map.of()).forwardOnly()) labels.add(e.label());
			}
			forwardOnly = out = List.copyOf(labels);
		}
		return out;
	}

	/** Every entry, family by family, in menu order. */
	public static List<MethodEntry> all() {
		List<MethodEntry> out = new ArrayList<>();
		for (Family f : Family.values()) out.addAll(ENTRIES.get(f).values());
		return out;
	}

	/** The entries of one family, in menu order. */
	public static List<MethodEntry> of(Family family) {
		return List.copyOf(ENTRIES.get(family).values());
	}

	/** The keys of one family, in menu order. */
	public static List<String> keys(Family family) {
		return List.copyOf(ENTRIES.get(family).keySet());
	}

	public static boolean has(Family family, String key) {
		return ENTRIES.get(family).containsKey(key);
	}

	/** @throws IllegalArgumentException naming the choices when the key is not registered in the family */
	public static MethodEntry get(Family family, String key) {
		MethodEntry e = ENTRIES.get(family).get(key);
		if (e == null) {
			throw new IllegalArgumentException("Unknown " + family.label() + " '" + key + "': use one of " + String.join(", ", keys(family)) + ".");
		}
		return e;
	}

	/** The parameters of a family's methods, each declared once. */
	public static Parameters parameters(Family family) {
		return PARAMETERS.get(family);
	}

	/**
	 * The attribution method with these parameter values (missing keys: defaults), after the checks
	 * the commands make: every value the method uses must be of its type and in its declared range.
	 *
	 * @throws IllegalArgumentException naming the key of each value refused (every problem at once)
	 */
	public static AttributionMethod attribution(String key, Values values) {
		return create(Family.ATTRIBUTION, key, values, AttributionMethod.class);
	}

	/** @see #attribution(String, Values) */
	public static AttributionMethod attribution(String key, Map<String, ?> values) {
		return attribution(key, ATTRIBUTION_PARAMETERS.values(values));
	}

	/** The metric with these values, checked as {@link #attribution(String, Values)} checks. */
	public static Metric metric(String key, Values values) {
		return create(Family.METRIC, key, values, Metric.class);
	}

	public static Metric metric(String key, Map<String, ?> values) {
		return metric(key, METRIC_PARAMETERS.values(values));
	}

	/** The concept importance estimator with these values, checked as {@link #attribution(String, Values)} checks. */
	public static ConceptEstimator conceptEstimator(String key, Map<String, ?> values) {
		return create(Family.CONCEPT_ESTIMATOR, key, CONCEPT_ESTIMATOR_PARAMETERS.values(values), ConceptEstimator.class);
	}

	/** The head trainer with these values, checked as {@link #attribution(String, Values)} checks. */
	public static HeadTrainer head(String key, Map<String, ?> values) {
		return create(Family.HEAD, key, HEAD_PARAMETERS.values(values), HeadTrainer.class);
	}

	/**
	 * The one way a method is built from values: the key is looked up (an unknown one is refused
	 * naming the choices), the values the method uses are checked against their declarations (the
	 * checks a command makes on its macro options, so a script calling an op gets the same refusals),
	 * then the factory runs.
	 */
	private static <T> T create(Family family, String key, Values values, Class<T> as) {
		MethodEntry entry = get(family, key);
		Parameters.fail(values.parameters().problems(values, key));
		return entry.create(values, as);
	}
}
