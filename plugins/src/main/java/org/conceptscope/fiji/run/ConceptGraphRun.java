package org.conceptscope.fiji.run;

import static org.conceptscope.fiji.write.Numbers.number;

import ij.ImagePlus;
import ij.gui.Roi;
import ij.measure.ResultsTable;

import java.awt.GraphicsEnvironment;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.conceptscope.concepts.ConceptBank;
import org.conceptscope.fiji.image.ImageTitles;
import org.conceptscope.fiji.write.ConceptGraphPicture;
import org.conceptscope.fiji.write.ConceptMapsWriter;
import org.conceptscope.fiji.write.ErfMontage;
import org.conceptscope.fiji.write.HeatmapWriter;
import org.conceptscope.fiji.image.ImagePlusTensors;
import org.conceptscope.fiji.image.ImageSet;
import org.conceptscope.fiji.image.ImagePlusTiles;
import org.conceptscope.fiji.param.CommandSpecs;
import org.conceptscope.attribution.TiledExplainer;
import org.conceptscope.tensor.TileGrid;
import org.conceptscope.fiji.write.MapChannels;
import org.conceptscope.fiji.write.ResultsCsvWriter;
import org.conceptscope.fiji.write.ResultsTables;
import org.conceptscope.fiji.write.RoiWriter;
import org.conceptscope.mechanistic.ConceptGraph;
import org.conceptscope.mechanistic.ConceptGraphLayout;
import org.conceptscope.mechanistic.GeneralizedIntegratedGradients;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;
import org.conceptscope.util.SaveSet;

/**
 * Concept Graph, whichever way it is started: PFV concept vectors at several layers over a stack or
 * a folder of images, over the whole data set (scope=dataset, the GIG paper's graph: edges to every
 * predicted class) or for one class (scope=class), GIG relevance between the layers' concepts and to the classes,
 * each concept shown by the ERFs of its strongest PFVs, and every image's concept maps. With a
 * save folder: {@code <layer>-concepts.json} per layer (concept banks, loadable by Concept
 * Localization), {@code <layer>-erf-montage.tif}, {@code concept-graph.csv} (edges),
 * {@code concept-graph-nodes.csv}, {@code concept-graph.png}, and per image
 * {@code <title>-concept-graph.tif} and {@code <title>-concept-graph-RoiSet.zip}. The images are
 * only read.
 */
public final class ConceptGraphRun {

	public static final String EDGES = "concept-graph.csv", NODES = "concept-graph-nodes.csv", PICTURE = "concept-graph.png";

	/** One input image's concept maps (a new image with the ROIs as overlay) and its ROIs. */
	public record Maps(ImagePlus source, ImagePlus image, List<Roi> rois) {}

	public record Result(ConceptGraph.Result graph, ImagePlus picture, List<ImagePlus> montages, List<Maps> maps, List<String> edgeHeader,
		List<List<String>> edgeRows, List<String> nodeHeader, List<List<String>> nodeRows, List<Path> written) {

		public ResultsTable table() {
			return ResultsTables.of(edgeHeader, edgeRows);
		}
	}

	private ConceptGraphRun() {}

	/**
	 * @param image the current image, used when no folder is set
	 * @throws IllegalArgumentException for inputs a user can fix (the message says how)
	 * @throws UnsupportedOperationException when SRD cannot walk an operation of the model (the message names it)
	 * @throws java.util.concurrent.CancellationException when progress asks to stop (nothing is written)
	 */
	public static Result run(ImagePlus image, ConceptGraphSettings s, Progress progress) throws IOException {
		s.validate();
		if (s.saveDir == null && GraphicsEnvironment.isHeadless()) {
			throw new IllegalArgumentException("Headless, the command needs " + ConceptGraphSettings.SAVE_DIR
				+ "=[folder] for the concept banks, montages, graph and maps: nothing could be shown.");
		}
		ConceptDiscoveryRun.checkInputs(image, s.folder);
		// the banks, montages and maps are named after the layers and images, known once the model loads: the graph's files stand for them
		SettingsChecks.noEarlierOutputs(s.saveDir, s.overwrite, List.of(EDGES, NODES, PICTURE));
		try (TensorFlowClassifier classifier = Models.openTensorFlow(s.model, "The concept graph")) {
			// a mistyped layer or class is refused before a folder is read
			int layers = ConceptGraph.resolveLayers(classifier, s.layerList()).size();
			if (!s.datasetWide()) TargetClass.parse(s.target, classifier.classNames());
			ImageSet given = ConceptDiscoveryRun.inputs(image, s.folder, progress);
			checkMapsMemory(given, layers * s.concepts, s.mapsAsChannels());
			ImageSet images = ModelSizeInputs.samples(given, classifier, CommandSpecs.CONCEPT_GRAPH);
			FloatTensor batch = Models.input(images, classifier);
			ConceptGraph.Options options = new ConceptGraph.Options(s.layerList(), s.concepts, s.samples, s.seed, s.steps, s.examples,
				s.erfMass);
			ConceptGraph.Result g = s.datasetWide() ? ConceptGraph.buildDataset(classifier, batch, options, progress)
				: ConceptGraph.build(classifier, batch, ConceptDiscoveryRun.majorityTarget(s.target, classifier, batch), options, progress);
			ImagePlus picture = ConceptGraphPicture.draw(ConceptGraphLayout.of(g.banks(), g.edges()), "concept-graph-" + g.banks().get(0).className);
			picture.setProperty("Info", "ConceptScope concept graph\nmodel=" + classifier.name() + "\noptions=" + s.toMacroOptions() + "\n");
			List<ImagePlus> montages = new ArrayList<>();
			for (int b = 0; b < g.banks().size(); b++) {
				ConceptBank bank = g.banks().get(b);
				montages.add(ErfMontage.build(bank, g.erfs().get(b), images, layerFile(bank.layer) + "-erf-montage"));
			}
			List<Maps> maps = new ArrayList<>();
			List<ImagePlus> mapped = given.images();
			for (int i = 0; i < mapped.size(); i++) {
				if (!progress.report(i, mapped.size(), "concept maps")) {
					throw new java.util.concurrent.CancellationException("Cancelled after the maps of " + i + " of " + mapped.size() + " images.");
				}
				maps.add(maps(classifier, g.banks(), Models.paletteAsRgb(mapped.get(i), classifier), s, progress));
			}
			Result r = new Result(g, picture, montages, maps, edgeHeader(), edgeRows(g), nodeHeader(), nodeRows(g), List.of());
			return s.saveDir == null ? r : save(r, s.saveDir);
		}
	}

	/**
	 * Refuses, before the graph is built, images whose map images (one float channel per concept, and the
	 * image's channels with output=channel, kept for every image until the end) the heap cannot hold.
	 */
	static void checkMapsMemory(ImageSet images, int concepts, boolean withImageChannels) {
		long values = 0;
		for (ImagePlus imp : images.images()) {
			values += (long) imp.getWidth() * imp.getHeight() * ImagePlusTensors.batches(imp).size()
				* ((withImageChannels ? ImagePlusTensors.channels(imp) : 0) + concepts);
		}
		ImagePlusTensors.checkMemory("The concept maps of " + images.images().size() + " image(s), " + concepts + " concept(s) each", values, 4,
			"map a smaller folder, fewer layers or concepts at a time");
	}

	/**
	 * One image's maps: its channels plus one channel per concept of every layer, ROIs named
	 * {@code <layer> concept k|<class>|slice=z}. An image larger than the model's input is mapped
	 * tile by tile, the tiles' maps blended as Concept Localization blends them.
	 */
	static Maps maps(TensorFlowClassifier classifier, List<ConceptBank> banks, ImagePlus imp, ConceptGraphSettings s, Progress progress) {
		int concepts = banks.stream().mapToInt(ConceptBank::size).sum();
		FloatTensor m = !TiledExplainer.needsTiles(classifier, imp.getHeight(), imp.getWidth())
			? ConceptGraph.conceptMaps(classifier, banks, ImagePlusTensors.toTensor(imp, classifier.normalization()).tensor())
			: TiledExplainer.mapTiles(classifier, new ImagePlusTiles(imp), TileGrid.DEFAULT_OVERLAP, concepts,
				(tiles, first, count) -> ConceptGraph.conceptMaps(classifier, banks, tiles), progress).maps();
		List<String> labels = new ArrayList<>(), names = new ArrayList<>();
		for (ConceptBank b : banks) for (int q = 1; q <= b.size(); q++) {
			labels.add(b.layer + " concept " + q);
			names.add(b.layer + " concept " + q + ": " + b.className);
		}
		String title = ImageTitles.base(imp) + (s.mapsAsChannels() ? "-concept-graph" : "-concept-graph-map");
		ImagePlus out = MapChannels.build(imp, m, names, title, s.mapsAsChannels());
		String className = banks.get(0).className;
		List<Roi> rois = ConceptMapsWriter.rois(imp, m, labels, className, s.topFraction, out);
		for (Roi roi : rois) {
			for (ConceptBank b : banks) { // the name holds the layer as a file-name-safe part; the property keeps its real name
				if (roi.getName().startsWith(RoiWriter.part(b.layer) + " concept ")) roi.setProperty("layer", b.layer);
			}
		}
		out.setOverlay(ConceptMapsWriter.overlay(rois));
		int channels = s.mapsAsChannels() ? ImagePlusTensors.channels(imp) : 0;
		StringBuilder info = new StringBuilder("ConceptScope concept graph maps\nmodel=").append(classifier.name()).append("\nclass=")
			.append(className).append('\n');
		if (channels > 0) info.append("channels 1-").append(channels).append("=image values\n");
		int c = channels;
		for (ConceptBank b : banks) {
			info.append("channels ").append(c + 1).append('-').append(c + b.size()).append('=').append(b.layer).append(" concepts 1-")
				.append(b.size()).append('\n');
			c += b.size();
		}
		out.setProperty("Info", info.append("options=").append(s.toMacroOptions()).append('\n').toString());
		return new Maps(imp, out, rois);
	}

	static List<String> edgeHeader() {
		return List.of("from_layer", "from_concept", "to_layer", "to_concept", "relevance");
	}

	/** What a residual edge's from_concept (and a layer's residual node row's concept) reads in the tables. */
	public static final String RESIDUAL = "residual";

	/**
	 * Concepts numbered from 1; an edge into the class has to_layer "class" and the class name as
	 * to_concept; each target's concept edges are followed by its residual edge, from_concept
	 * "residual" (what the lower layer's concepts do not carry), so a target's rows sum to its change.
	 */
	static List<List<String>> edgeRows(ConceptGraph.Result g) {
		List<List<String>> rows = new ArrayList<>();
		for (GeneralizedIntegratedGradients.Edge e : g.edges()) {
			boolean cls = e.toConcept() < 0;
			rows.add(List.of(e.fromLayer(), e.isResidual() ? RESIDUAL : Integer.toString(e.fromConcept() + 1), cls ? "class" : e.toLayer(),
				cls ? e.className() : Integer.toString(e.toConcept() + 1), number(e.relevance())));
		}
		return rows;
	}

	static List<String> nodeHeader() {
		return List.of("layer", "concept", "relevance_to_class", "relevance_in", "relevance_out", "examples", "top_coefficient", "score",
			"zero_score");
	}

	/**
	 * Per concept: its GIG relevance for the class (straight from its layer; over the data set: for
	 * each image's own predicted class), the sums of the edges into it (residual edge included: the
	 * change of its projection) and out of it, its ERF examples and strongest coefficient, and for a
	 * concept of an upper layer the two ends of that change (score: its mean projection on the real
	 * activations; zero_score: its projection on what the layer below's zero activations give it),
	 * whose difference relevance_in approximates up to the midpoint rule; after each
	 * layer's concepts a row "residual": the layer's residual for the class and the sum of its
	 * residual edges out. Over the data set, then one row per class the edges reach: the sum of the
	 * edges into it, residual included, and that class's mean logit over the images predicted as it
	 * on the real and on zero activations of the last layer (score, zero_score), whose difference
	 * the sum approximates up to the midpoint rule (the residual does not absorb that error). Last, the graph's class ("all classes" over the data set): the sum of the last layer's
	 * relevances and its residual, and the class logit on the model's real activations of that layer
	 * (score, mean over the images; each image's own predicted class over the data set) and on zero
	 * activations (zero_score), whose difference that sum approximates.
	 */
	static List<List<String>> nodeRows(ConceptGraph.Result g) {
		List<List<String>> rows = new ArrayList<>();
		for (int bi = 0; bi < g.banks().size(); bi++) {
			ConceptBank b = g.banks().get(bi);
			for (int q = 0; q < b.size(); q++) {
				double in = 0, out = 0;
				for (GeneralizedIntegratedGradients.Edge e : g.edges()) {
					if (e.toLayer().equals(b.layer) && e.toConcept() == q) in += e.relevance();
					if (e.fromLayer().equals(b.layer) && e.fromConcept() == q) out += e.relevance();
				}
				List<ConceptBank.Example> ex = q < b.examples.size() ? b.examples.get(q) : List.of();
				double[] ends = g.conceptScores() == null || g.conceptScores()[bi] == null ? null : g.conceptScores()[bi][q];
				rows.add(List.of(b.layer, Integer.toString(q + 1), number(b.importance[q]), bi == 0 ? "" : number(in),
					number(out), Integer.toString(ex.size()), number(ex.isEmpty() ? Double.NaN : ex.get(0).coefficient()),
					ends == null ? "" : number(ends[0]), ends == null ? "" : number(ends[1])));
			}
			double out = 0;
			for (GeneralizedIntegratedGradients.Edge e : g.edges()) if (e.fromLayer().equals(b.layer) && e.isResidual()) out += e.relevance();
			rows.add(List.of(b.layer, RESIDUAL, number(g.residuals()[bi]), "", number(out), "", "", "", ""));
		}
		String graphClass = g.banks().get(0).className;
		Map<String, Double> intoClass = new LinkedHashMap<>();
		for (GeneralizedIntegratedGradients.Edge e : g.edges()) if (e.className() != null) intoClass.merge(e.className(), e.relevance(), Double::sum);
		if (!intoClass.keySet().equals(Set.of(graphClass))) {
			for (Map.Entry<String, Double> c : intoClass.entrySet()) {
				double[] scores = g.scoresByClass().get(c.getKey());
				rows.add(List.of("class", c.getKey(), "", number(c.getValue()), "", "", "", scores == null ? "" : number(scores[0]),
					scores == null ? "" : number(scores[1])));
			}
		}
		int last = g.banks().size() - 1;
		double toClass = g.residuals()[last];
		for (double v : g.banks().get(last).importance) toClass += v;
		rows.add(List.of("class", graphClass, "", number(toClass), "", "", "", number(g.classScore()), number(g.zeroScore())));
		return rows;
	}

	static Result save(Result r, Path dir) throws IOException {
		return SaveSet.all(set -> {
			set.createDirectories(dir);
			List<Path> written = new ArrayList<>();
			// layers, and images of a folder, whose file names would be one (a.tif and a.png) each get their number
			List<String> layers = AttributionOutputs.distinctFileNames(r.graph().banks().stream().map(b -> layerFile(b.layer)).toList(),
				numbers(r.graph().banks().size()));
			List<String> maps = AttributionOutputs.distinctFileNames(r.maps().stream().map(m -> m.image().getTitle()).toList(),
				numbers(r.maps().size()));
			for (int b = 0; b < r.graph().banks().size(); b++) {
				ConceptBank bank = r.graph().banks().get(b);
				Path json = dir.resolve(layers.get(b) + "-concepts.json"), tif = dir.resolve(layers.get(b) + "-erf-montage.tif");
				bank.save(json);
				ConceptDiscoveryRun.saveTiff(r.montages().get(b), tif);
				written.addAll(List.of(json, tif));
			}
			Path edges = dir.resolve(EDGES), nodes = dir.resolve(NODES), png = dir.resolve(PICTURE);
			ResultsCsvWriter.write(r.edgeHeader(), r.edgeRows(), edges);
			ResultsCsvWriter.write(r.nodeHeader(), r.nodeRows(), nodes);
			ConceptDiscoveryRun.savePng(r.picture(), png);
			written.addAll(List.of(edges, nodes, png));
			for (int i = 0; i < r.maps().size(); i++) {
				Maps m = r.maps().get(i);
				Path tiff = dir.resolve(maps.get(i) + ".tif");
				Path zip = AttributionOutputs.roiSetOf(tiff);
				HeatmapWriter.save(m.image(), tiff);
				RoiWriter.save(m.rois(), zip);
				written.addAll(List.of(tiff, zip));
			}
			return new Result(r.graph(), r.picture(), r.montages(), r.maps(), r.edgeHeader(), r.edgeRows(), r.nodeHeader(), r.nodeRows(), written);
		});
	}

	/** "1", "2", ... n. */
	private static List<String> numbers(int n) {
		return java.util.stream.IntStream.rangeClosed(1, n).mapToObj(Integer::toString).toList();
	}

	/** A layer name as part of a file name: conv2/relu gives conv2_relu. */
	public static String layerFile(String layer) {
		return AttributionOutputs.fileName(layer).replace(' ', '_');
	}

}
