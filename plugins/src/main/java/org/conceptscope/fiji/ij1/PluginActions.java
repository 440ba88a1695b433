package org.conceptscope.fiji.ij1;

import org.conceptscope.fiji.run.AttributionResult;
import org.conceptscope.fiji.run.AttributionRun;
import org.conceptscope.fiji.run.AttributionSettings;
import org.conceptscope.fiji.run.ConceptDiscoveryRun;
import org.conceptscope.fiji.run.ConceptDiscoverySettings;
import org.conceptscope.fiji.display.ConceptDisplay;
import org.conceptscope.fiji.display.ConceptGraphDisplay;
import org.conceptscope.fiji.run.ConceptGraphRun;
import org.conceptscope.fiji.run.ConceptGraphSettings;
import org.conceptscope.fiji.run.ConceptImportanceRun;
import org.conceptscope.fiji.run.ConceptImportanceSettings;
import org.conceptscope.fiji.run.ConceptLocalizationRun;
import org.conceptscope.fiji.run.ConceptLocalizationSettings;
import org.conceptscope.fiji.run.EvaluationRun;
import org.conceptscope.fiji.run.EvaluationSettings;
import org.conceptscope.fiji.run.ExamplesRun;
import org.conceptscope.fiji.run.ExamplesSettings;
import org.conceptscope.fiji.run.FeatureVisualizationRun;
import org.conceptscope.fiji.run.FeatureVisualizationSettings;
import org.conceptscope.fiji.run.HeadExplanationRun;
import org.conceptscope.fiji.run.HeadExplanationSettings;
import org.conceptscope.fiji.run.HeadTrainingRun;
import org.conceptscope.fiji.run.HeadTrainingSettings;
import org.conceptscope.fiji.display.ImageJProgress;
import org.conceptscope.fiji.run.ModelReport;
import org.conceptscope.fiji.display.ResultsDisplay;
import org.conceptscope.fiji.run.SharingRatioRun;
import org.conceptscope.fiji.run.SharingRatioSettings;
import org.conceptscope.fiji.run.TcavRun;
import org.conceptscope.fiji.run.TcavSettings;
import ij.ImagePlus;
import ij.WindowManager;

import java.io.IOException;
import java.util.Map;

import org.conceptscope.fiji.param.CommandSpec;
import org.conceptscope.fiji.param.CommandSpecs;
import org.conceptscope.registry.Values;

/**
 * What each menu command does once its values are known, as the ImageJ 1.x plugin runs it: the
 * settings from the values, the command's run on the current image (or the folder it names), and
 * its results shown where there is a display. The same runs the SciJava commands call.
 */
public final class PluginActions {

	/** The end of the examples below: where to save. */
	private static final String SAVE = " " + CommandSpecs.SAVE_DIR.key() + "=[/path/to/results]";

	/** Per command: a macro line's options that run it, for the message a headless run without options gets. */
	private static final Map<CommandSpec, String> EXAMPLES = Map.ofEntries(
		Map.entry(CommandSpecs.ATTRIBUTION, "model=[/path/to/model] method=saliency target=predicted" + SAVE),
		Map.entry(CommandSpecs.MODEL_INFO, "model=[/path/to/model]"),
		Map.entry(CommandSpecs.CONCEPT_DISCOVERY, "model=[/path/to/model] concepts=6" + SAVE),
		Map.entry(CommandSpecs.CONCEPT_LOCALIZATION, "model=[/path/to/model] concepts=[/path/concepts.json]" + SAVE),
		Map.entry(CommandSpecs.EVALUATE_EXPLANATION, "model=[/path/to/model] method=saliency metric=deletion" + SAVE),
		Map.entry(CommandSpecs.SHARING_RATIO_DECOMPOSITION, "model=[/path/to/model] target=predicted" + SAVE),
		Map.entry(CommandSpecs.CONCEPT_GRAPH,
			"model=[/path/to/model] layers=[conv1/relu,conv2/relu] concepts=4" + SAVE),
		Map.entry(CommandSpecs.TRAIN_INTERPRETABLE_HEAD,
			"model=[/path/to/model] folder=[/path/to/class folders] head=infodisent" + SAVE),
		Map.entry(CommandSpecs.EXPLAIN_WITH_HEAD, "model=[/path/to/model] head=[/path/to/results/head]" + SAVE),
		Map.entry(CommandSpecs.FEATURE_VISUALIZATION, "model=[/path/to/model] target=[class]" + SAVE),
		Map.entry(CommandSpecs.CONCEPT_IMPORTANCE,
			"model=[/path/to/model] concepts=[/path/concepts.json] estimator=sobol" + SAVE),
		Map.entry(CommandSpecs.TCAV,
			"model=[/path/to/model] folder=[/path/class images] concepts=[/path/concepts] random=[/path/random images]" + SAVE),
		Map.entry(CommandSpecs.NEAREST_EXAMPLES, "model=[/path/to/model] folder=[/path/training images] neighbours=5" + SAVE));

	private PluginActions() {}

	/** The message of a headless run without options: what a macro line for this command looks like. */
	public static String headlessMessage(CommandSpec spec) {
		// the reporter names the command before this sentence; the options are what the macro's run(...) line gives it
		return "Headless, the command needs its options, as a macro's run line gives them, e.g. \"" + EXAMPLES.get(spec) + "\".";
	}

	/** Whether the command always explains the current image (it then says so before its dialog when none is open). */
	public static boolean explainsCurrentImage(CommandSpec spec) {
		return spec == CommandSpecs.ATTRIBUTION || spec == CommandSpecs.CONCEPT_LOCALIZATION || spec == CommandSpecs.SHARING_RATIO_DECOMPOSITION
			|| spec == CommandSpecs.EXPLAIN_WITH_HEAD;
	}

	/** Fails with the "no image is open" sentence when there is no current image. */
	public static void checkImageOpen() {
		AttributionRun.checkImage(WindowManager.getCurrentImage());
	}

	/**
	 * Runs the command with these values and shows its results.
	 *
	 * @param image the image the command reads (the current one, or a macro's {@code image=}); null for none
	 */
	public static void run(CommandSpec spec, Values v, ImagePlus image, ImageJProgress progress) throws IOException {
		if (spec == CommandSpecs.ATTRIBUTION) attribution(AttributionSettings.of(v), image, progress);
		else if (spec == CommandSpecs.MODEL_INFO) modelInfo(v, progress);
		else if (spec == CommandSpecs.CONCEPT_DISCOVERY) conceptDiscovery(ConceptDiscoverySettings.of(v), image, progress);
		else if (spec == CommandSpecs.CONCEPT_LOCALIZATION) conceptLocalization(ConceptLocalizationSettings.of(v), image, progress);
		else if (spec == CommandSpecs.EVALUATE_EXPLANATION) evaluation(EvaluationSettings.of(v), image, progress);
		else if (spec == CommandSpecs.SHARING_RATIO_DECOMPOSITION) sharingRatio(SharingRatioSettings.of(v), image, progress);
		else if (spec == CommandSpecs.CONCEPT_GRAPH) conceptGraph(ConceptGraphSettings.of(v), image, progress);
		else if (spec == CommandSpecs.TRAIN_INTERPRETABLE_HEAD) headTraining(HeadTrainingSettings.of(v), progress);
		else if (spec == CommandSpecs.EXPLAIN_WITH_HEAD) headExplanation(HeadExplanationSettings.of(v), image, progress);
		else if (spec == CommandSpecs.FEATURE_VISUALIZATION) featureVisualization(FeatureVisualizationSettings.of(v), image, progress);
		else if (spec == CommandSpecs.CONCEPT_IMPORTANCE) conceptImportance(ConceptImportanceSettings.of(v), image, progress);
		else if (spec == CommandSpecs.TCAV) tcav(TcavSettings.of(v), image, progress);
		else if (spec == CommandSpecs.NEAREST_EXAMPLES) examples(ExamplesSettings.of(v), image, progress);
		else throw new IllegalStateException("No run for " + spec.command());
	}

	private static String savedIn(java.util.List<?> written, Object saveDir) {
		return written.isEmpty() ? "." : ", results in " + saveDir + ".";
	}

	private static void attribution(AttributionSettings s, ImagePlus image, ImageJProgress progress) throws IOException {
		AttributionResult result = AttributionRun.run(image, s, progress);
		// The class map first: the explanation stays the macro's current image.
		if (result.classMap() != null) ResultsDisplay.showResult(result.classMap());
		ResultsDisplay.showResult(result.image());
		ResultsDisplay.showTableAndRois(result);
		progress.finished(result.summary() + savedIn(result.written(), s.saveDir()));
	}

	private static void modelInfo(Values v, ImageJProgress progress) throws IOException {
		ModelReport report = ModelReport.run(v.path(CommandSpecs.MODEL.key()), v.path(CommandSpecs.SAVE_DIR.key()),
			v.flag(CommandSpecs.OVERWRITE.key()));
		ResultsDisplay.showTable(report.layersTable(), report.name() + " layers", true);
		progress.statusOnly("model " + report.name() + " described."); // the run wrote its result to the Log
	}

	private static void conceptDiscovery(ConceptDiscoverySettings s, ImagePlus image, ImageJProgress progress) throws IOException {
		if (s.perClass) {
			ConceptDiscoveryRun.PerClass r = ConceptDiscoveryRun.perClass(s, progress);
			progress.finished(ConceptDiscoveryRun.summary(r) + " Results in " + s.saveDir + ".");
			return;
		}
		ConceptDiscoveryRun.Result r = ConceptDiscoveryRun.run(s.folder == null ? image : null, s, progress);
		ResultsDisplay.showResult(r.atlas());
		if (ResultsDisplay.interactive()) {
			r.plot().show();
			if (r.holistic() != null) {
				if (r.holistic().maps() != null) r.holistic().maps().show();
				r.holistic().importanceMaps().show();
			}
		}
		ResultsDisplay.showTable(r.table(), "Concept importance", true);
		if (r.holistic() != null) ResultsDisplay.showTable(r.holisticTable(), "Holistic concepts", false);
		progress.finished(r.bank().size() + " concept(s) of " + r.bank().className + savedIn(r.written(), s.saveDir));
	}

	private static void conceptLocalization(ConceptLocalizationSettings s, ImagePlus image, ImageJProgress progress) throws IOException {
		ConceptLocalizationRun.Result r = ConceptLocalizationRun.run(image, s, progress);
		ResultsDisplay.showResult(r.labels()); // first: the concept maps stay the current image
		ResultsDisplay.showResult(r.image());
		ConceptDisplay.showTableAndRois(r.table(), r.image().getTitle() + "-results", r.rois(), r.image());
		progress.finished(r.rois().size() + " concept ROI(s)" + savedIn(r.written(), s.saveDir));
	}

	private static void evaluation(EvaluationSettings s, ImagePlus image, ImageJProgress progress) throws IOException {
		EvaluationRun.Result r = EvaluationRun.run(image, s, progress);
		ResultsDisplay.showTable(r.table(), r.metric() == null ? s.metric : s.method + " " + s.metric, true);
		if (ResultsDisplay.interactive() && r.plot() != null) r.plot().show();
		progress.statusOnly(r.summary() + savedIn(r.written(), s.saveDir)); // the run wrote its result to the Log
	}

	private static void sharingRatio(SharingRatioSettings s, ImagePlus image, ImageJProgress progress) throws IOException {
		SharingRatioRun.Result r = SharingRatioRun.run(image, s, progress);
		ResultsDisplay.showResult(r.image());
		ConceptDisplay.showTableAndRois(r.table(), r.image().getTitle() + "-results", r.rois(), r.image());
		progress.finished(r.analysis().slices().size() + " slice(s) decomposed" + savedIn(r.written(), s.saveDir));
	}

	private static void conceptGraph(ConceptGraphSettings s, ImagePlus image, ImageJProgress progress) throws IOException {
		ConceptGraphRun.Result r = ConceptGraphRun.run(s.folder == null ? image : null, s, progress);
		ConceptGraphDisplay.show(r, s.saveDir != null);
		ResultsDisplay.showResult(r.picture()); // last: the picture is the current image
		progress.finished(r.graph().edges().size() + " edge(s) between " + r.graph().banks().size() + " layer(s) and the class"
			+ savedIn(r.written(), s.saveDir));
	}

	private static void headTraining(HeadTrainingSettings s, ImageJProgress progress) throws IOException {
		HeadTrainingRun.Result r = HeadTrainingRun.run(s, progress);
		ResultsDisplay.showResult(r.prototypes());
		ResultsDisplay.showTable(r.accuracy(), "Head accuracy", true);
		if (ResultsDisplay.interactive() && r.convergence() != null) r.convergence().show();
		progress.statusOnly(HeadTrainingRun.summary(r)); // the run wrote its result to the Log
	}

	private static void headExplanation(HeadExplanationSettings s, ImagePlus image, ImageJProgress progress) throws IOException {
		HeadExplanationRun.Result r = HeadExplanationRun.run(image, s, progress);
		ResultsDisplay.showResult(r.image());
		ResultsDisplay.showTableAndRois(r);
		progress.finished(r.rois().size() + " ROI(s) of " + r.head().kind() + " " + r.head().unitName() + "s" + savedIn(r.written(), s.saveDir));
	}

	private static void featureVisualization(FeatureVisualizationSettings s, ImagePlus image, ImageJProgress progress) throws IOException {
		FeatureVisualizationRun.Result r = FeatureVisualizationRun.run(s.folder == null ? image : null, s, progress);
		ResultsDisplay.showResult(r.image());
		if (ResultsDisplay.interactive()) r.plot().show();
		progress.statusOnly(FeatureVisualizationRun.summary(r)); // the run wrote its result to the Log
	}

	private static void conceptImportance(ConceptImportanceSettings s, ImagePlus image, ImageJProgress progress) throws IOException {
		ConceptImportanceRun.Result r = ConceptImportanceRun.run(s.folder == null ? image : null, s, progress);
		ResultsDisplay.showResult(r.plot());
		ResultsDisplay.showTable(r.table(), "Concept importance (" + s.estimator + ")", true);
		progress.statusOnly(r.importance().length + " concept(s) of " + r.bank().className + savedIn(r.written(), s.saveDir)); // the run wrote its result to the Log
	}

	private static void tcav(TcavSettings s, ImagePlus image, ImageJProgress progress) throws IOException {
		// the current image: the class images without a folder, the ROIs without a concept folder
		boolean usesImage = s.folder == null || (s.cavs == null && s.concepts == null);
		TcavRun.Result r = TcavRun.run(usesImage ? image : null, s, progress);
		ResultsDisplay.showResult(r.plot());
		ResultsDisplay.showTable(r.table(), "TCAV", true);
		progress.statusOnly(r.summary() + savedIn(r.written(), s.saveDir)); // the run wrote its result to the Log
	}

	private static void examples(ExamplesSettings s, ImagePlus image, ImageJProgress progress) throws IOException {
		ExamplesRun.Result r = ExamplesRun.run(s.neighbours > 0 ? image : null, s, progress);
		if (r.prototypes() != null) ResultsDisplay.showResult(r.prototypes());
		if (r.nearest() != null) ResultsDisplay.showResult(r.nearest());
		if (r.nearest() != null) ResultsDisplay.showTable(r.nearestTable(), "Nearest examples", true);
		if (r.prototypes() != null) ResultsDisplay.showTable(r.prototypeTable(), "Prototypes", r.nearest() == null);
		progress.statusOnly(r.summary() + savedIn(r.written(), s.saveDir)); // the run wrote its result to the Log
	}
}
