package org.conceptscope.fiji.param;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.conceptscope.registry.Family;
import org.conceptscope.registry.Parameter;
import org.conceptscope.registry.Parameters;
import org.conceptscope.registry.Range;
import org.conceptscope.registry.Registry;
import org.conceptscope.tensor.TileGrid;

/**
 * Every command's parameters, each declared here once (the attribution methods' and metrics'
 * parameters in {@link Registry}). The key is the macro key, the SciJava input name, the batch
 * runner's key and the row of the command's docs table; the help is that row's meaning.
 */
public final class CommandSpecs {

	private CommandSpecs() {}

	/** The Attribution dialog's section for what is explained: the output operator and the ROIs. */
	private static final String REGIONS = "Explained output and ROIs";

	/** The Attribution dialog's last section: what is shown and saved. */
	private static final String DISPLAY = "Output";

	/** The keys shared by several commands: declared once here, each command giving its own help where it means more. */
	public static final Parameter MODEL = Parameter.folder("model", "Model folder").help("a TensorFlow SavedModel folder (holding `saved_model.pb`),"
		+ " a bioimage.io package (its folder, `rdf.yaml` or `.zip`), or a TorchScript (`.pt`, with `conceptscope.json` beside it) or ONNX"
		+ " (`.onnx`) file or the folder holding it ([engines](../models/engines.md))"),
		/** For the commands that read the model's TensorFlow graph (Models.openTensorFlow refuses other models). */
		MODEL_TENSORFLOW = MODEL.help("a TensorFlow SavedModel folder (holding `saved_model.pb`): this command reads the model's graph, so"
			+ " other models are refused"),
		TARGET = Parameter.text("target", "Target class", "predicted").help("`predicted` (each slice's own predicted class), a class name (`target=[soft tissue]`, case-insensitive when unambiguous) or a class index"),
		SAVE_DIR = Parameter.folder("save_dir", "Save to folder (empty: do not save)").help("folder for the files below (created if missing); empty = write nothing"),
		/** For the commands that write files of fixed names into save_dir: a rerun into the same folder replaces them only when asked. */
		OVERWRITE = Parameter.flag("overwrite", "Overwrite files in save_dir", false).help("replace the files of an earlier run in `save_dir`;"
			+ " off (default): a run whose output file (named above) already exists there is refused before any work, naming the file, and"
			+ " nothing is changed"),
		TOP_FRACTION = Parameter.number("top_fraction", "Top fraction outlined as ROI", 0.1).range(Range.aboveUpTo(0, 1))
			.help("the top fraction of each map outlined as that slice's ROI"),
		OUTPUT = Parameter.choice("output", "Output", "channel", List.of("channel", "image")).help("`channel`: a new composite image = the image's channels (32-bit, calibrated values, R/G/B for RGB) + the map as last channel (Fire LUT); `image`: the maps alone as a separate 32-bit image"),
		FOLDER = Parameter.folder("folder", "Image folder (empty: the current image)"),
		SEED = Parameter.longInteger("seed", "Random seed", 42),
		LAYER = Parameter.text("layer", "Layer (empty: the last spatial layer)", ""),
		OVERLAP = Parameter.number("overlap", "Overlap of tiles", TileGrid.DEFAULT_OVERLAP).range(new Range(0, true, 1, false))
			.help("an image of another size than the model's input is explained [tile by tile](../whole-images.md): the fraction of a"
				+ " tile shared with its neighbours, in [0, 1)");

	/** The Attribution command's method choices: a part of the registry's attribution methods, in menu order. */
	/** Evaluate Explanation's metric that compares maps across retrained models (uses folder and methods). */
	public static final String MEGE_RECO = "mege_reco";
	/** Evaluate Explanation's metrics, in menu order: keys of the registry's metrics. */
	public static final List<String> EVALUATION_METRICS = List.of("deletion", "insertion", "mufidelity", "average_drop",
		"increase_in_confidence", "complexity", "sparseness", "stability", "random_logit", "sanity", MEGE_RECO);

	public static final List<String> ATTRIBUTION_METHODS = List.of("saliency", "gradient_x_input", "integrated_gradients", "smoothgrad",
		"vargrad", "squaregrad", "gradcam", "gradcam_plus_plus", "guided_backprop", "deconvnet", "occlusion", "rise", "sobol", "hsic",
		"lime", "kernel_shap", "eva", "srd");

	static final Parameter METHOD = Parameter.choice("method", "Method", "saliency", ATTRIBUTION_METHODS)
		.help(String.join(", ", ATTRIBUTION_METHODS.stream().map(m -> "`" + m + "`").toList())
			+ " ([LIME](../methods/lime.md) and Kernel SHAP: any model; Guided Backpropagation, DeconvNet, [EVA](../methods/eva.md) and [SRD](../methods/srd.md): TensorFlow models; the other gradient methods: TensorFlow or TorchScript models)");

	public static final CommandSpec ATTRIBUTION = new CommandSpec("Attribution...", "Attribution", "attribution.md",
		parameters(List.of(MODEL, METHOD, TARGET), attributionParameters(),
			List.of(Parameter.choice("operator", "Explained output", "auto", List.of("auto", "class", "segmentation", "regression")).section(REGIONS)
					.help("what a model's output is explained for ([operators](../whole-images.md#models-with-dense-outputs-segmentation-regression)):"
						+ " `class` (a classifier's logit), `segmentation` (each output channel of a map [N, H, W, C] averaged over the image, or over"
						+ " each ROI of `rois`), `regression` (one output value); `auto`: `class` for classifiers, `segmentation` for map outputs"),
				Parameter.text("rois", "ROIs (none, selection, manager or a RoiSet.zip)", "none").section(REGIONS)
					.help("`none`: the whole image; `selection` (the image's area selection), `manager` (every ROI of the ROI Manager but the outlines ConceptScope put there), the"
						+ " path of a RoiSet.zip, or a folder of ROI files named after the images (`<name>.zip` for `<name>.tif`; the batch runner's"
						+ " way to give each image its ROIs): each ROI explained alone (`region`), one table row per ROI, the maps in"
						+ " `<title>-<method>-regions`"),
				Parameter.choice("region", "Explain each ROI with", "tiles", List.of("tiles", "window")).section(REGIONS)
					.help("`tiles`: only the model-size tiles of the whole-image grid that hold a pixel of the ROI (the whole-image map there);"
						+ " `window`: one model-size window centred on the ROI"),
				OUTPUT.section(DISPLAY).help("`channel`: a new composite image = the image's channels (32-bit, calibrated values, R/G/B for"
					+ " RGB, in the image's display range, 0-255 for RGB) + the map as last channel, black at 0 as composite channels add up"
					+ " (Fire from 0 for unsigned maps; for signed maps, Integrated Gradients and Gradient\u00d7Input or any map whose negative"
					+ " part exceeds 5% of its positive range, blue-black-red over a symmetric range; as a translucent overlay, `opacity` > 0,"
					+ " blue-white-red, white at 0); `image`: the maps alone as a separate 32-bit image (signed: blue-white-red, white at 0)"), TOP_FRACTION.section(DISPLAY),
				OVERLAP.section(DISPLAY),
				Parameter.number("opacity", "Heat map opacity (0: none)", 0).range(Range.between(0, 1)).section(DISPLAY)
					.help("`output=channel`: above 0 (e.g. 0.5), the heat map is drawn over the image as a translucent overlay with this"
						+ " opacity, and the map channel, kept in the image for measurement, is hidden in the composite; 0: no overlay, the map"
						+ " channel shown in the composite"),
				Parameter.flag("calibration_bar", "Calibration bar on the overlay", false).section(DISPLAY)
					.help("a calibration bar in the top left corner of the result image (over the heat-map overlay with `opacity`): the map's"
						+ " LUT from the lowest value of its display range (bottom) to the highest (top), with both numbers, and 0 in the middle for"
						+ " signed maps; part of the overlay (Image > Overlay > Hide Overlay hides it), never of the pixels"),
				SAVE_DIR.section(DISPLAY), OVERWRITE.section(DISPLAY))),
		Set.of("model"), "method", Family.ATTRIBUTION);

	public static final CommandSpec MODEL_INFO = new CommandSpec("Model Info...", "Model Info", "model-info.md",
		Parameters.of(MODEL, SAVE_DIR.help("writes `<model>-info.txt` and `<model>-layers.csv` there"), OVERWRITE), Set.of("model"), null, null);

	public static final CommandSpec CONCEPT_DISCOVERY = new CommandSpec("Concept Discovery...", "Concept Discovery", "concept-discovery.md",
		Parameters.of(MODEL, FOLDER.help("a folder of images of one class (`.tif`, `.tiff`, `.png`, `.jpg`, `.jpeg`, `.dcm`, name order, other files skipped; an image larger than the model's input gives its tiles of the input's size, each one image; a model that takes any size needs images of one size); empty = the current image or stack (its tiles likewise)"), LAYER.help("the layer that splits the model (Model Info lists them); empty = the last spatial layer with more than one position (global pooling kept 4-D is passed over)"),
			TARGET.help("the class whose concepts are sought: `predicted` (the class most slices are predicted as), a class name or index"),
			Parameter.integer("patch", "Crop size (pixels)", 16).range(Range.atLeast(2)).help("square crops of `patch` pixels every `stride` pixels (and one flush with the far border), each resized to the model input: one model pass per crop (the Log gives the count; more than 100000 per image is refused)"),
			Parameter.integer("stride", "Crop stride (pixels)", 8).range(Range.atLeast(1)).help("the step between crops, in pixels"),
			Parameter.integer("concepts", "Concepts", 6).range(Range.atLeast(1)).help("number of concepts (NMF rank): at most the layer's channels, the crops of the images and 500 (Sobol importance), checked before any crop goes through the model"),
			SEED.help("NMF start and Sobol designs"),
			Parameter.integer("designs", "Sobol designs", 32).range(Range.atLeast(2)).help("Sobol designs for the concepts' importance: designs × (concepts + 2) passes from the layer to the logits per image; at most 100000"),
			Parameter.integer("examples", "Examples per concept", 6).range(Range.atLeast(1)).help("example crops per concept kept in the bank and shown in the atlas"),
			Parameter.flag("holistic", "Holistic outputs", false).help("also the [holistic view](../methods/craft.md) (Fel et al. 2023): concept attribution maps (where each concept lies: the gradient of each concept's score, by implicit differentiation through the NMF, times the input; TensorFlow models, others get none with a Log line), per-position concept importance maps, and each concept's prevalence and reliability (files below); needs a model with gradients (TensorFlow or TorchScript: an ONNX model is refused before any work)"),
			Parameter.flag("per_class", "One CRAFT per class (data set)", false).help("CRAFT per class over a data set, as Xplique's CraftManager: `folder` holds one subfolder of images per class (named after the model's classes: true labels, so reliability) or the images themselves; the images predicted as each class (every class, or only `target` when it names one) give that class's concepts and holistic outputs in `save_dir/<class>/`, with `classes.csv`; a class whose images give fewer crops than `concepts` is skipped (its `classes.csv` row and the Log say why) and the others go on; a model without gradients (ONNX) gets each class's concepts and importance without the holistic outputs (Log line); needs `folder` and `save_dir`"),
			SAVE_DIR.help("folder for the files below; **required headless** (a run that can neither show nor save is refused)"), OVERWRITE),
		Set.of("model"), null, null);

	/**
	 * Concept Localization's {@code concept_maps}: CRAFT's coefficient maps (first, the default), or concept attribution maps
	 * read by each {@link org.conceptscope.concepts.ConceptAttributionMaps.Rule}.
	 */
	public static final List<String> CONCEPT_MAP_KINDS = List.of("coefficients",
		org.conceptscope.concepts.ConceptAttributionMaps.Rule.GRADIENT_X_INPUT.key(), org.conceptscope.concepts.ConceptAttributionMaps.Rule.SALIENCY.key());

	public static final CommandSpec CONCEPT_LOCALIZATION = new CommandSpec("Concept Localization...", "Concept Localization",
		"concept-localization.md",
		Parameters.of(MODEL.help("the model the concepts were discovered with (its layer must exist)"),
			Parameter.file("concepts", "Concepts file (concepts.json)").help("a `concepts.json` written by Concept Discovery"),
			TOP_FRACTION.help("the top fraction of each concept map outlined as that slice's ROI for that concept"), OUTPUT.help("`channel`: a new composite = the image's channels (32-bit) + one channel per concept; `image`: the concept maps alone. Each concept channel is named `concept k: <class>` and drawn in a colour of its own (black to the colour) over its own display range, 0 to its largest value on any slice"),
			OVERLAP.help("an image of another size than the model's input is localised [tile by tile](../whole-images.md#concept-maps): the"
				+ " fraction of a tile shared with its neighbours, in [0, 1)"),
			Parameter.number("label_threshold", "Label threshold (dominant concept)", 0).help("the label image `<title>-concept-labels` holds at"
				+ " every pixel the number of the concept whose map is largest there, in that concept's colour, and 0 where no concept map exceeds"
				+ " this value (0: where no concept is present)"),
			Parameter.choice("concept_maps", "Concept maps", CONCEPT_MAP_KINDS.get(0), CONCEPT_MAP_KINDS)
				.help("`coefficients`: each concept's non-negative coefficient at every position of the layer, upsampled (CRAFT); `gradient_x_input` or"
					+ " `saliency`: [concept attribution maps](../methods/holistic.md) (Fel et al. 2023) of this image: the gradient of each concept's"
					+ " score with respect to the pixels, by implicit differentiation through the NMF, times the input (signed) or its largest absolute"
					+ " value over channels; TensorFlow models"),
			SAVE_DIR.help("folder for `<title>-concepts.tif` (or `-concepts-map.tif`, with the ROIs as overlay), `<title>-concept-labels.tif`, `<title>-concepts-RoiSet.zip` (or `-concepts-map-RoiSet.zip`), `<title>-concepts-results.csv`"), OVERWRITE),
		Set.of("model", "concepts"), null, null);

	public static final CommandSpec CONCEPT_IMPORTANCE = new CommandSpec("Concept Importance...", "Concept Importance",
		"concept-importance.md",
		Parameters.of(MODEL.help("the model the concepts were discovered with (its layer and the bank's class must exist)"),
			Parameter.file("concepts", "Concepts file (concepts.json)").help("a `concepts.json` written by Concept Discovery"),
			FOLDER.help("a folder of images of the bank's class (as for Concept Discovery); empty = the current image or stack"),
			Parameter.choice("estimator", "Estimator", "sobol", Registry.keys(Family.CONCEPT_ESTIMATOR)).help("`sobol` (total-order Sobol indices of concept masks through h, CRAFT's estimator: what Concept Discovery stores), `gradient` (gradient × coefficient: the first-order change of the class logit when a concept is removed, one pass), `deletion` (the mean drop of the class logit when a concept is removed from the rebuilt activations)"),
			Registry.CONCEPT_ESTIMATOR_PARAMETERS.get("designs").help("sobol: quasi-Monte Carlo designs (h runs designs × (concepts + 2) times per image)"),
			Registry.CONCEPT_ESTIMATOR_PARAMETERS.get("seed").help("sobol: the designs' random shift; with Concept Discovery's images, designs and seed the importances are Discovery's own"),
			Parameter.flag("update_bank", "Update the bank", false).help("also write the bank with these importances (and `importanceEstimator`) into `save_dir` under its own file name; `save_dir` = the bank's folder updates it in place (atomically; not an earlier output, so no `overwrite` is needed)"),
			SAVE_DIR.help("folder for `<bank>-importance-<estimator>.csv` (`concept, estimator, importance, rank, bank_importance`: rank 1 = most important; `bank_importance` = what the bank held, NaN if nothing) and `<bank>-importance-<estimator>.png` (bar plot); **required headless**"), OVERWRITE),
		Set.of("model", "concepts"), null, null);

	public static final CommandSpec EVALUATE_EXPLANATION = new CommandSpec("Evaluate Explanation...", "Evaluate Explanation",
		"evaluate-explanation.md",
		Parameters.of(MODEL, METHOD.help("any Attribution method (with its defaults and this `seed`)"),
			Parameter.choice("metric", "Metric", "deletion", EVALUATION_METRICS)
				.help("`deletion`, `insertion` (AUC of the target probability as pixels are removed / inserted by decreasing attribution, baseline 0; lower / higher is better), `mufidelity` (correlation of map sums with logit drops over random 20 % subsets of the cells of a `grid` × `grid` grid; higher is better), `average_drop` (mean relative drop of the target probability when the image is multiplied by its map scaled to [0, 1]; lower is better; [page](../metrics/average_drop.md)), `increase_in_confidence` (fraction of slices whose target probability rises on that masked image; higher is better), `complexity` (entropy of the normalised absolute map; lower = more concentrated; [page](../metrics/complexity.md)), `sparseness` (Gini index of the absolute map; higher = more concentrated; [page](../metrics/sparseness.md)), `stability` (average stability: mean distance between each slice's map and the maps of `neighbours` copies with uniform noise in [0, `radius`); lower is better; [page](../metrics/average_stability.md)), `random_logit` (SSIM between the map of the target and the map of a random other class, drawn from `seed`; lower is better: a map that does not change with the class explains no class; [page](../metrics/random_logit.md)), `sanity` (Spearman correlation of the absolute maps with the maps of a copy whose weights are all randomised, or with `cascade` one layer more at a time, or with `independent` one layer at a time; low is good; [page](../methods/metrics.md)), `mege_reco` (stability of explanations across retrained models, below; uses `folder` and `methods`, not the image or `method`)"),
			TARGET.help("as for Attribution"),
			metric("steps").help("deletion, insertion: steps of the curve").anyMethod(),
			metric("samples").help("mufidelity: random subsets").anyMethod(),
			metric("grid").help("mufidelity: cells per side of the grid whose cells are removed (Xplique's `grid_size`)").anyMethod(),
			metric("radius").help("stability: the noise is uniform in [0, radius), in the model's normalised input units").anyMethod(),
			metric("neighbours").help("stability: noisy copies of each slice, each explained by the method").anyMethod(),
			metric("distance").help("stability: `l2` or `l1` distance between two maps").anyMethod(),
			SEED.help("the method's and the metric's random choices; for mege_reco also the folds, each model's initial weights and batches (model f uses seed + f)"),
			metric("cascade").help("sanity: randomise the layers one more at a time, the layer nearest the logits first (Adebayo et al.'s cascading randomisation); the table then has one row per step (`step, layer, variables, method, spearman_abs, spearman, ssim, hog`: means over the slices of the Spearman correlation of the absolute and of the signed maps, of the SSIM of the absolute maps scaled to [0, 1] and of the Pearson correlation of their HOGs (scikit-image's defaults; slices of at least 24 × 24 pixels)) and a plot of them against the step; the last step randomises every layer, as without `cascade`").anyMethod(),
			metric("independent").help("sanity: randomise one layer at a time, the others keeping their trained weights, the layer nearest the logits first (Adebayo et al.'s independent randomisation); the same table (`variables`: those of that layer alone) and plot as `cascade`, which it cannot be combined with; the value (the Log's mean) is still the copy with every layer randomised, one explanation more").anyMethod(),
			metric("folder").help("mege_reco: a folder with one subfolder of images per class, each named after a class of the model (exactly, or ignoring case with `_` for a space when unambiguous); images or stacks (`.tif`, `.tiff`, `.png`, `.jpg`, `.jpeg`, `.dcm`), every slice one sample, an image larger than the model's input its tiles of the input's size (an image's tiles share a fold); other files are skipped, an image outside the subfolders is an error; at least 2 classes and 2 × `folds` images (an image's tiles count once)").anyMethod(),
			metric("methods").help("mege_reco: the methods compared, separated by commas: any Attribution method (with its defaults and this `seed`) or `random` (uniform random maps, the baseline a faithful method should beat)").anyMethod(),
			metric("folds").help("mege_reco: number of folds = models trained, each on all folds but one").anyMethod(),
			metric("architecture").help("mege_reco: the CNN the models are trained as; empty = the `metadata.architecture` line of the model's `conceptscope.json` (models trained by ConceptScope have it; it is checked against the model's weights), else e.g. `architecture=[conv 16,32,32; kernel 3; pool; global average]` (filters per 3×3 conv + ReLU block, `kernel k`, `pool` for 2×2 average pooling after each block, head `global average` or `flatten`); input size and classes are always the model's").anyMethod(),
			metric("training_steps").help("mege_reco: Adam steps per model (batch 32, learning rate 0.003, as the bundled models)").anyMethod(),
			SAVE_DIR.help("folder for `<title>-<method>-<metric>.csv` (`slice, frame, label, target, method, metric, value`, one row per slice, or per tile of a slice larger than the model's input (`slice` counts the tiles over all slices and frames, `frame` is then 1, `label` names the tile: `<title> [slice z] [frame t] x=.. y=..`), then a row `mean`) and, for deletion and insertion, `<title>-<method>-<metric>-curve.png` (mean curve); for sanity with `cascade` or `independent`, the step table and `-curve.png` (similarities per step); for mege_reco `<folder name>-mege_reco.csv`"), OVERWRITE),
		Set.of("model"), null, null);

	public static final CommandSpec SHARING_RATIO_DECOMPOSITION = new CommandSpec("Sharing Ratio Decomposition...",
		"Sharing Ratio Decomposition", "sharing-ratio-decomposition.md",
		Parameters.of(MODEL_TENSORFLOW, TARGET.help("`predicted` (each slice's own predicted class), a class name or index"),
			Registry.ATTRIBUTION_PARAMETERS.get(org.conceptscope.mechanistic.SrdAttribution.START_LAYER).section("").help("a spatial layer (Model Info lists them): the decomposition of the logit starts at its PFVs instead of the pixels; each PFV's relevance is spread evenly over its cell of the image (the sum kept), and `bias_relevance` is the relevance no PFV above the layer carried (normally 0); empty = the input pixels, as the paper's maps").anyMethod(),
			Parameter.text("erf_layer", "ERF layer (empty: no ERF)", "").help("a spatial layer (Model Info lists them): also compute the effective receptive field (ERF) of one of its PFVs on every slice; empty = no ERF"),
			Parameter.integer("x", "x (pixel of the PFV; -1: centre)", -1).range(Range.atLeast(-1)).help("the PFV, chosen by an **image pixel**: the layer cell holding pixel (x, y): cells are one layer stride wide, centred on each PFV's theoretical receptive field (so also right for VALID and strided layers; near the border of a VALID layer, the nearest cell); -1 = the image's centre column / row. Only with `erf_layer`"),
			Parameter.integer("y", "y (pixel of the PFV; -1: centre)", -1).range(Range.atLeast(-1)).help("as `x`, for the row"),
			Parameter.number("erf_mass", "ERF mass", 0.9).range(Range.aboveUpTo(0, 1)).help("the ERF's ROI holds the pixels that carry this fraction of its absolute relevance (the smallest such set; pixels without relevance never)"),
			Parameter.number("apop_fill", "APOP fill value", 1).help("APOP: the value of every pixel of the blank image, in the model's normalised input units (1 = white for `unit_range` models)"),
			OUTPUT.help("`channel`: a new composite = the image's channels (32-bit) + the relevance map + the ERF (Fire); `image`: the maps alone"), TOP_FRACTION.help("the top fraction of each relevance map outlined as that slice's ROI"),
			SAVE_DIR.help("folder for `<title>-srd.tif` (or `-srd-map.tif`, with the ROIs as overlay), `<title>-srd-RoiSet.zip` (or `-srd-map-RoiSet.zip`), `<title>-srd-results.csv`"), OVERWRITE),
		Set.of("model"), null, null);

	/** Concept Graph's {@code scope}: the data-set-wide graph (the GIG paper's, the default) or the graph of one class. */
	public static final List<String> CONCEPT_GRAPH_SCOPES = List.of("dataset", "class");

	public static final CommandSpec CONCEPT_GRAPH = new CommandSpec("Concept Graph...", "Concept Graph", "concept-graph.md",
		Parameters.of(MODEL_TENSORFLOW, FOLDER.help("a folder of images (as for Concept Discovery: name order, other files skipped, an image larger than the model's input gives its tiles of the input's size, each one image); empty = the current image or stack"),
			Parameter.text("layers", "Layers (empty: the last two)", "").help("spatial layers, comma-separated (`layers=[conv2/relu,conv3/relu]`), any order (sorted from input to output); empty = the last two spatial layers computed by a `Relu` (the outputs of the last two convolution blocks; a pooling or bias layer next to them would give a near-copy), or the last two spatial layers when there are fewer"),
			Parameter.choice("scope", "Graph over", CONCEPT_GRAPH_SCOPES.get(0), CONCEPT_GRAPH_SCOPES).help("`dataset`: the graph of the whole data set, as the GIG paper builds it (one bank of concepts per layer from every image, each pixel feature vector sampled by its contribution to its own image's predicted class; edges to every predicted class, each over the images predicted as it); `class`: the graph of one class, `target` (concepts from that class's contributions: what drives this class)"),
			TARGET.help("with `scope=class`: the class, `predicted` (the class most images are predicted as), a class name or index; `scope=dataset` takes no other value"),
			Parameter.integer("concepts", "Concepts per layer", 4).range(Range.atLeast(1)).help("concept vectors per layer (k-means k)"),
			Parameter.integer("samples", "PFV samples per layer", 1000).range(Range.atLeast(1)).help("PFVs sampled per layer for k-means"),
			SEED.help("sampling and k-means"),
			Parameter.integer("steps", "GIG steps", 32).range(Range.atLeast(1)).help("GIG midpoint steps along the path"),
			Parameter.integer("examples", "ERFs per concept", 6).range(Range.atLeast(1)).help("strongest PFVs (largest coefficient) per concept shown by their ERFs"),
			Parameter.number("erf_mass", "ERF mass", 0.9).range(Range.aboveUpTo(0, 1)).help("each ERF's outline holds this fraction of its absolute relevance"),
			TOP_FRACTION.help("the top fraction of each concept map outlined as that slice's ROI"), OUTPUT.help("concept maps: `channel` (image channels + one channel per concept of every layer) or `image` (the maps alone)"),
			SAVE_DIR.help("folder for the files below; **required headless**"), OVERWRITE),
		Set.of("model"), null, null);

	public static final CommandSpec TRAIN_INTERPRETABLE_HEAD = new CommandSpec("Train Interpretable Head...", "Train Interpretable Head",
		"train-interpretable-head.md",
		Parameters.of(MODEL.help("the backbone: folder holding `saved_model.pb`; it stays frozen"), FOLDER.help("one subfolder of images per class (above)"),
			Parameter.choice("head", "Head", "infodisent", Registry.keys(Family.HEAD)).help("`infodisent`: one prototypical part per channel of the layer (an orthogonal rotation of the channels, max positive minus max negative evidence, non-negative classifier); `bi_ice`: `concepts` concept embeddings interacting with the patch embeddings both ways"),
			LAYER.help("the spatial layer the head reads (Model Info lists them); empty = the last spatial layer with more than one position (global pooling kept 4-D is passed over)"),
			head("concepts").help("bi_ice: number of concepts (at least 2)").anyMethod(),
			head("dimension").help("bi_ice: dimension of the concept and patch embeddings (at least 3: the layer norms take each embedding's mean and scale)").anyMethod(),
			head("sparsity").help("bi_ice: weight of the L1 penalty on each concept's direction in the layer's channels (mean absolute entry)").anyMethod(),
			head("iterations").help("bi_ice: rounds of bidirectional binding (concepts compete for the patches and take in those they win, patches receive the concepts they choose); the published model iterates; 1 = one static round").anyMethod(),
			Parameter.integer("steps", "Training steps", 400).range(Range.atLeast(1)).help("Adam steps on cross-entropy"),
			Parameter.integer("batch_size", "Batch size", 32).range(Range.atLeast(1)).help("at most this many images per Adam step; an epoch is one pass over the training images in a seeded shuffled order, cut into batches of nearly equal sizes (72 images: 3 of 24)"),
			Parameter.number("learning_rate", "Learning rate", 0.01).range(Range.above(0)).help("Adam step size"),
			SEED.help("initial weights, batch order and the held-out split, each from a random stream of its own"),
			Parameter.number("held_out", "Held-out share", 0.2).range(Range.strictlyBetween(0, 1)).help("share of each class's images held out (seeded; at least one per class with two images or more; an image's tiles together) for the accuracy table; the head trains on the rest"),
			Parameter.integer("prototypes", "Prototypes per unit", 6).range(Range.atLeast(1)).help("top-activating training patches per part/concept in the montage"),
			SAVE_DIR.help("folder for the files below"), OVERWRITE),
		Set.of("model", "folder", "save_dir"), null, null);

	public static final CommandSpec EXPLAIN_WITH_HEAD = new CommandSpec("Explain with Head...", "Explain with Head", "explain-with-head.md",
		Parameters.of(MODEL.help("the backbone the head was trained on (its layer and shape are checked)"),
			Parameter.folder("head", "Head folder").help("the head folder (`<save_dir>/head`; the `save_dir` of the training run works too)"), TARGET.help("`predicted` (the head's own prediction per slice), a class name or index"),
			Parameter.integer("top", "Parts per slice", 3).range(Range.atLeast(1)).help("parts/concepts per slice: those with the largest positive contributions to the target logit (with `against`, the largest contributions by size, for or against it)"),
			Parameter.flag("against", "Parts against the target", false).help("also rank the parts that speak against the target: the `top` parts by the size of their contribution, positive or negative (InfoDisent's negative evidence), each negative one's ROI outlining where its map is most negative; with `top` at least the number of parts, the rows and the bias row add up to the target logit. Bi-ICE's concepts only add: nothing changes for them"),
			TOP_FRACTION.help("the top fraction of each part's map outlined as its ROI"),
			Parameter.flag("bias", "Bias row", true).help("one more row per slice (rank and unit `bias`, no ROI) for the class bias: the part of the target logit no part or concept explains (InfoDisent: its class bias b_k; Bi-ICE: the logit minus the contributions), so every contribution plus the bias is the target logit, as the InfoDisent paper reads a decision; `bias=false` leaves it out (only the parts or concepts, e.g. for a table of evidence alone)"),
			SAVE_DIR.help("folder for `<title>-<head>.tif`, `<title>-<head>-RoiSet.zip`, `<title>-<head>-results.csv`"), OVERWRITE),
		Set.of("model", "head"), null, null);

	public static final CommandSpec FEATURE_VISUALIZATION = new CommandSpec("Feature Visualization...", "Feature Visualization",
		"feature-visualization.md",
		Parameters.of(MODEL_TENSORFLOW, Parameter.folder("head", "Head folder (optional)").help("optional: a head saved by Train Interpretable Head (`<save_dir>/head`) for the same model; then `target` may be one of its parts or concepts, and a class means the head's logit, both computed through the model and the head"),
			Parameter.text("target", "Target class", "").help("the class to visualise: a name or an index; with a `head` also `part k` (InfoDisent: that part's evidence) or `concept k` (Bi-ICE: that concept's activation)"),
			FOLDER.help("images whose mean magnitude spectrum (per channel, after the model's normalisation) the visualisation keeps; empty = the current image or stack. `reference`: the spectrum's shape at the images' cycles per pixel (resized to the canvas), the values through a sigmoid into `values_range` or the images' robust range (their mean is not kept); `simple`: the spectrum kept exactly (conjugate frequencies tied so the image is real) and the images' mean with its sign. For grayscale or microscopy models this keeps the texture of your own images. An image larger than the model's input gives its tiles of the input's size, each one image"),
			Parameter.choice("recipe", "Recipe", "reference", List.of("reference", "simple")).help("`reference`: [MACO](../methods/maco.md) as its paper and Xplique run it (a canvas of the input side × 512/224, `crops` random crops per step with box sizes falling from 0.5 to 0.05, noise, values through a sigmoid into `values_range` or the images' robust range, Nadam); `simple`: ConceptScope's first variant (an input-sized image, one crop per step of side in [`crop`, 1], Adam, the magnitude kept exactly)"),
			Parameter.integer("steps", "Steps", 200).range(Range.atLeast(1)).help("optimisation steps on the Fourier phase"),
			Parameter.number("learning_rate", "Learning rate (simple)", 0.05).range(Range.above(0)).help("`simple`: Adam step size (radians); `reference` uses Xplique's Nadam at 1.0 on the standardised phase"),
			Parameter.number("crop", "Crop (smallest side, simple)", 0.8).range(Range.aboveUpTo(0, 1)).help("`simple`: each step scores a random crop whose side is between `crop` and 1 of the image, resized back"),
			Parameter.integer("crops", "Crops per step (reference)", 32).range(Range.atLeast(1)).help("`reference`: random crops scored per step (the objective is their mean)"),
			Parameter.number("noise", "Noise (reference)", 0.08).range(Range.atLeast(0)).help("`reference`: noise added to every crop value: Gaussian of this standard deviation plus uniform in ±noise/2"),
			Parameter.integer("canvas", "Canvas side (0: automatic)", 0).range(Range.atLeast(0)).help("`reference`: side of the optimised canvas in pixels (at least the model input, at most " + org.conceptscope.util.Limits.MAX_CANVAS + "); 0 = the input side × 512/224, Xplique's canvas for 224-pixel models"),
			Parameter.text("values_range", "Value range lo,hi (reference; empty: the model's or the images')", "").help("`reference`: the values the model takes, `lo,hi` in its input units after its normalisation (`values_range=0,1`, `values_range=-1,1`: Xplique's `values_range`), into which the canvas is put through a sigmoid, or one `lo,hi` pair per input channel separated by `;` (`values_range=0,255;0,255;0,127`, the form `values_range_used` takes for ranges per channel: each channel is put in its own; a count of pairs other than the model's input channels is refused in one sentence before any image is read); empty = the range a bioimage.io package declares for its input where it has a fixed place in those units (see [MACO](../methods/maco.md)), else the images' 0.1st to 99.9th percentile (all channels together), so a hot pixel or stray value does not stretch the range and wash the visualisation out"),
			SEED.help("start phase and crops: the same seed gives the same image"), SAVE_DIR.help("folder for `<model>-<class>-maco.tif` (with a head `<model>-<head>-part-k-maco.tif`), `-maco-scores.csv` (`step, score`: the target score of each step's crop, the mean over its crops for `reference`) and `-maco-scores.png`"), OVERWRITE),
		Set.of("model", "target"), null, null);

	public static final CommandSpec TCAV = new CommandSpec("TCAV...", "TCAV", "tcav.md",
		Parameters.of(MODEL, FOLDER.help("images of the class tested (as for Concept Discovery: name order, other files skipped, an image larger than the model's input gives its tiles of the input's size, each one image); empty = the current image or stack"),
			Parameter.folder("concepts", "Concept folder (empty: named ROIs)").help("a folder with one subfolder of example images per concept, the subfolder's name the concept's (at least 2 images each; an image larger than the model's input gives its tiles, each one example); empty = the ROIs of the current image (its overlay, else the ROI Manager), each named after its concept: the bounding box of each ROI on its slice, resized to the model's input, is one example"),
			Parameter.folder("random", "Random counterexamples folder").help("images without the concepts (a larger image gives its tiles, each one image); each run draws two disjoint random sets from them, as large as a concept's examples (at most half of them): give at least 4, better twice as many as the examples of a concept. Not needed with `cavs`"),
			TARGET.help("the class tested: `predicted` (the class most images are predicted as), a class name or index"),
			Parameter.text("layers", "Layers (empty: the last spatial layer)", "").help("layers to find CAVs in, comma-separated (`layers=[conv1/relu,conv2/relu]`; Model Info lists them); empty = the last spatial layer with more than one position (global pooling kept 4-D is passed over)"),
			Parameter.integer("runs", "Runs (random sets)", org.conceptscope.tcav.Tcav.DEFAULT_RUNS).range(Range.atLeast(2)).help("random counterexample sets, so CAVs per concept and layer; the t-test compares the concept's scores over the runs with random-against-random CAVs' scores"),
			Parameter.number("alpha", "Significance level", org.conceptscope.tcav.Tcav.DEFAULT_ALPHA).range(new Range(0, false, 1, false)).help("a concept is significant when the t-test's p < `alpha` / (concepts x layers) (Bonferroni)"),
			SEED.help("random sets, training splits and SVM training: the same seed gives the same table"),
			Parameter.file("cavs", "CAV bank to score (empty: test concepts)").help("a `cavs.json` written by TCAV: score its CAVs on the images instead of testing concepts (`concepts`, `random`, `layers`, `runs`, `alpha` are then not used)"),
			SAVE_DIR.help("folder for `tcav.csv` (one row per concept and layer), `tcav.png` (scores against random CAVs) and `cavs.json` (the CAVs); scoring a bank: `tcav-scores.csv` and `tcav-scores.png`; **required headless**"), OVERWRITE),
		Set.of("model"), null, null);

	public static final CommandSpec NEAREST_EXAMPLES = new CommandSpec("Nearest Examples...", "Nearest Examples", "nearest-examples.md",
		Parameters.of(MODEL, Parameter.folder("folder", "Training examples folder").help("the training examples: images (name order, other files skipped; an image larger than the model's input gives its tiles of the input's size, each one image), or one subfolder of images per class, named after the model's classes (then prototypes are per class, and each tile takes its image's class)"),
			LAYER.help("the layer whose activations are compared (Model Info lists them); empty = the last spatial layer with more than one position (global pooling kept 4-D is passed over)"),
			Parameter.integer("neighbours", "Nearest examples per slice", org.conceptscope.ops.ExampleOps.DEFAULT_NEIGHBOURS).range(Range.atLeast(0)).help("for each slice of the current image (each tile of a slice larger than the model's input), its training examples nearest by Euclidean distance between activations, nearest first; 0 = none (no image needed)"),
			Parameter.integer("prototypes", "Prototypes (per class)", org.conceptscope.ops.ExampleOps.DEFAULT_PROTOTYPES).range(Range.atLeast(0)).help("MMD-critic prototypes of the examples (per class with class subfolders; RBF kernel, gamma 1 / the median squared distance); 0 = none"),
			SAVE_DIR.help("folder for `<title>-nearest.tif` (montage: each case, then its nearest examples; distances in the row label and as each panel's `distance` property), `<title>-nearest.csv` (`case, rank, example, distance`; a case is the image's whole title and slice, `ihc-heldout-patches.tif slice 1`, or a tile, `... x=.. y=..`), `<title>` being the title without its extension; `prototypes.tif` and `prototypes.csv` (`class, rank, example, objective`); **required headless**"), OVERWRITE),
		Set.of("model", "folder"), null, null);

	/**
	 * The batch runner's arguments: input, every Attribution key (output defaults to image: the maps
	 * go to a stack of their own), batch and restart. Not a menu command.
	 */
	public static final CommandSpec BATCH = new CommandSpec("Batch", "Batch", "batch.md",
		parameters(List.of(Parameter.file("input", "Stack file or image folder")
			.help("a stack or image file, or a folder of images")),
			// the batch runner keeps its own rule for a rerun into save_dir (resume, restart): overwrite is not one of its keys
			ATTRIBUTION.parameters().list().stream().filter(p -> !p.key().equals(OVERWRITE.key()))
				.map(p -> p.key().equals("output") ? p.withDefault("image") : p).toList(),
			List.of(Parameter.integer("batch", "Slices per part (0: automatic)", 0).range(Range.atLeast(0))
				.help("slices per part and per model call; 0 = the model's batch size from its memory budget"),
				Parameter.flag("restart", "Restart", false).help("discard an unfinished (or finished) run in `save_dir` and start again"))),
		Set.of("input", "model", "save_dir"), "method", Family.ATTRIBUTION);

	/**
	 * The macro key of a command's current-image input ({@link #imageInput}): an image file's path, or
	 * an open image's title or ID; left out, the current image. Read by the SciJava commands and the
	 * ImageJ 1.x plugin alike, so a macro line runs the same in Fiji and in plain ImageJ.
	 */
	public static final String IMAGE = "image";

	/** A command's current-image input: SciJava's {@code image}, first in its dialog, never required (without an image the command says "No image is open: ..." itself, not SciJava's generic message). */
	public record ImageInput(String label, String help) {}

	private static final java.util.Map<String, ImageInput> IMAGE_INPUTS = java.util.Map.ofEntries(
		java.util.Map.entry("Attribution...", new ImageInput("Image", "The image or stack to explain (only read).")),
		java.util.Map.entry("Concept Discovery...", new ImageInput("Image (unused when a folder is set)", "A stack of images of one class (only read).")),
		java.util.Map.entry("Concept Localization...", new ImageInput("Image", "The image or stack (only read).")),
		java.util.Map.entry("Evaluate Explanation...", new ImageInput("Image (unused by mege_reco)", "The image or stack (only read).")),
		java.util.Map.entry("Sharing Ratio Decomposition...", new ImageInput("Image", "The image or stack to explain (only read).")),
		java.util.Map.entry("Concept Graph...", new ImageInput("Image (unused when a folder is set)", "A stack of images (only read).")),
		java.util.Map.entry("Explain with Head...", new ImageInput("Image", "The image or stack to explain (only read).")),
		java.util.Map.entry("Feature Visualization...", new ImageInput("Image (spectrum; unused when a folder is set)",
			"Images whose magnitude spectrum the visualization keeps (only read).")),
		java.util.Map.entry("Concept Importance...", new ImageInput("Image (unused when a folder is set)", "A stack of images of the bank's class (only read).")),
		java.util.Map.entry("TCAV...", new ImageInput("Image (class images and ROIs; unused when folders are set)",
			"A stack of images of the class tested, or with ROIs named after concepts (only read).")),
		java.util.Map.entry("Nearest Examples...", new ImageInput("Image (the cases)", "The slices whose nearest examples are shown (only read).")));

	/** The command's current-image input, or null for a command that reads no open image. */
	public static ImageInput imageInput(CommandSpec spec) {
		return IMAGE_INPUTS.get(spec.command());
	}

	/**
	 * What a command that ran out of memory can do besides giving ImageJ more memory: what makes its run smaller (the
	 * batch runner explains an image's slices only, so only the commands it stands in for name it).
	 */
	private static final String SMALLER_IMAGE = "take a substack, crop a large image to the region to explain (Image > Crop) or scale it"
		+ " down (Image > Scale...)";
	private static final java.util.Map<String, String> MEMORY_REMEDIES = java.util.Map.ofEntries(
		java.util.Map.entry("Concept Discovery...", "give fewer images (a smaller folder= or a substack), a larger stride= or patch=,"
			+ " or fewer concepts="),
		java.util.Map.entry("Concept Localization...", SMALLER_IMAGE),
		java.util.Map.entry("Evaluate Explanation...", SMALLER_IMAGE + "; for mege_reco give fewer images in folder= or fewer folds="),
		java.util.Map.entry("Sharing Ratio Decomposition...", SMALLER_IMAGE),
		java.util.Map.entry("Concept Graph...", "give fewer images (a smaller folder= or a substack) or other layers (layers=)"),
		java.util.Map.entry("Train Interpretable Head...", "train on fewer images (a smaller folder=), choose an earlier or narrower"
			+ " layer=, or give fewer concepts= or a smaller dimension="),
		java.util.Map.entry("Explain with Head...", SMALLER_IMAGE),
		java.util.Map.entry("Feature Visualization...", "give a smaller canvas= or fewer crops="),
		java.util.Map.entry("Concept Importance...", "give fewer images (a smaller folder= or a substack) or fewer designs="),
		java.util.Map.entry("TCAV...", "give fewer random images (random=), class images or concepts (concepts=)"),
		java.util.Map.entry("Nearest Examples...", "use fewer training images (a smaller folder=) or a layer of fewer values (layer=)"));

	/** What {@code spec}'s run can do when Java runs out of memory, besides more memory; null for none (Model Info). */
	public static String memoryRemedy(CommandSpec spec) {
		if (spec == ATTRIBUTION) { // named here, not in the map: the runner's command is found from the jar when first asked
			return "explain long stacks in parts with the batch runner (" + org.conceptscope.fiji.batch.BatchLauncher.COMMAND + "), " + SMALLER_IMAGE;
		}
		return MEMORY_REMEDIES.get(spec.command());
	}

	/** Every command, in plugins.config order. */
	public static final List<CommandSpec> ALL = List.of(ATTRIBUTION, MODEL_INFO, CONCEPT_DISCOVERY, CONCEPT_LOCALIZATION,
		EVALUATE_EXPLANATION, SHARING_RATIO_DECOMPOSITION, CONCEPT_GRAPH, TRAIN_INTERPRETABLE_HEAD, EXPLAIN_WITH_HEAD,
		FEATURE_VISUALIZATION, CONCEPT_IMPORTANCE, TCAV, NEAREST_EXAMPLES);

	/** The command with this menu label ("Attribution...") or title. */
	public static CommandSpec of(String command) {
		for (CommandSpec s : ALL) if (s.command().equals(command) || s.title().equals(command)) return s;
		throw new IllegalArgumentException("No ConceptScope command '" + command + "'.");
	}

	/** The command that plugins.config names by this argument: its page's name ("attribution", "model-info"). */
	public static CommandSpec byArgument(String arg) {
		String a = arg == null ? "" : arg.trim();
		for (CommandSpec s : ALL) if (s.page().equals(a + ".md")) return s;
		throw new IllegalArgumentException("No ConceptScope command '" + a + "': plugins.config names one of "
			+ String.join(", ", ALL.stream().map(s -> s.page().replace(".md", "")).toList()) + ".");
	}

	/** The methods that use a parameter, as a dialog shows them next to it ("gradient methods" for all of those). */
	public static String usedBy(Parameter p) {
		if (p.methods().equals(Registry.GRADIENT_METHODS)) return "gradient methods";
		return String.join(", ", p.methods());
	}

	/** The registry's attribution parameters the Attribution command offers (those of its menu's methods). */
	private static List<Parameter> attributionParameters() {
		List<Parameter> out = new ArrayList<>();
		for (Parameter p : Registry.ATTRIBUTION_PARAMETERS.list()) {
			List<String> offered = p.methods().stream().filter(ATTRIBUTION_METHODS::contains).toList();
			if (offered.isEmpty()) continue;
			out.add(p.methods(offered.toArray(String[]::new)));
		}
		return out;
	}

	private static Parameter metric(String key) {
		return Registry.METRIC_PARAMETERS.get(key);
	}

	private static Parameter head(String key) {
		return Registry.HEAD_PARAMETERS.get(key);
	}

	@SafeVarargs
	private static Parameters parameters(List<Parameter>... parts) {
		List<Parameter> all = new ArrayList<>();
		for (List<Parameter> p : parts) all.addAll(p);
		return new Parameters(all);
	}
}
