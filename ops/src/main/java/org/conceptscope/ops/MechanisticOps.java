package org.conceptscope.ops;

import static org.conceptscope.ops.OpImages.orDefault;

import java.util.ArrayList;
import java.util.List;

import net.imglib2.RandomAccessibleInterval;
import net.imglib2.type.numeric.RealType;
import net.imglib2.type.numeric.real.FloatType;

import org.conceptscope.concepts.ConceptBank;
import org.conceptscope.mechanistic.ConceptGraph;
import org.conceptscope.mechanistic.GeneralizedIntegratedGradients;
import org.conceptscope.mechanistic.PfvConcepts;
import org.conceptscope.mechanistic.SharingRatioAnalysis;
import org.conceptscope.mechanistic.SharingRatioDecomposition;
import org.conceptscope.model.Classifier;
import org.conceptscope.model.TensorFlowClassifier;
import org.conceptscope.tensor.FloatTensor;
import org.conceptscope.util.Progress;

/**
 * Sharing Ratio Decomposition, pixel-feature-vector concepts, Generalized Integrated Gradients and
 * the concept graph as SciJava Ops {@code explain.mechanistic.*}, declared in Javadoc like
 * {@link AttributionOps}; defaults are those of the Sharing Ratio Decomposition and Concept Graph
 * commands. These read the graph of a TensorFlow SavedModel.
 */
public final class MechanisticOps {

	/** Example crops per concept and ERF mass, as the Concept Graph command uses them. */
	static final int EXAMPLES = 6;
	static final double ERF_MASS = 0.9;

	private MechanisticOps() {}

	/**
	 * Sharing Ratio Decomposition (Han et al. 2024): the target logit shared back down the network to the pixels in
	 * proportion to the contribution of each pixel feature vector, layer by layer; the relevance is conserved.
	 *
	 * @param <T> the pixel type
	 * @param model a TensorFlow SavedModel classifier, as opened by explain.model.open
	 * @param image the image to explain: X, Y[, channel][, slice] (channels when the model takes several); only read
	 * @param target the class to explain (index from 0); null or negative: the class predicted for each image (nullable)
	 * @return one relevance map per image, the size of the image in X and Y (X, Y for one image; X, Y, slice for a stack)
	 * @implNote op names='explain.mechanistic.srd'
	 */
	public static <T extends RealType<T>> RandomAccessibleInterval<FloatType> srd(Classifier model, RandomAccessibleInterval<T> image,
		Integer target) {
		TensorFlowClassifier tf = OpImages.tensorFlow(model, "Sharing Ratio Decomposition");
		OpImages.Batch batch = OpImages.read(model, image);
		int[] targets = OpImages.resolvedTargets(model, batch, target);
		SharingRatioDecomposition srd = new SharingRatioDecomposition(tf);
		List<FloatTensor> maps = new ArrayList<>();
		for (int i = 0; i < targets.length; i++) maps.add(srd.classRelevance(batch.tensor().slice(i), targets[i]).map());
		return OpImages.maps(FloatTensor.concat(maps), batch.stack());
	}

	/**
	 * Concept vectors at a layer, as in the concept analysis of the SRD paper (Han et al. 2024): k-means of the pixel feature vectors of the images, sampled in proportion
	 * to their contribution to the class.
	 *
	 * @param <T> the pixel type
	 * @param model a TensorFlow SavedModel classifier, as opened by explain.model.open
	 * @param images images of the class: X, Y[, channel][, slice] (channels when the model takes several); only read
	 * @param target the class (index from 0); null or negative: the class predicted for most images (nullable)
	 * @param layer the spatial layer; null or empty: the last spatial layer (nullable)
	 * @param concepts number of concepts; default 4 (nullable)
	 * @param samples number of sampled pixel feature vectors; default 1000 (nullable)
	 * @param seed seed of the sampling and of k-means; default 42 (nullable)
	 * @return the concept bank of the layer
	 * @implNote op names='explain.mechanistic.pfv_concepts'
	 */
	public static <T extends RealType<T>> ConceptBank pfvConcepts(Classifier model, RandomAccessibleInterval<T> images, Integer target,
		String layer, Integer concepts, Integer samples, Long seed) {
		TensorFlowClassifier tf = OpImages.tensorFlow(model, "PFV concepts");
		OpImages.Batch batch = OpImages.read(model, images);
		return PfvConcepts.fit(tf, batch.tensor(), OpImages.majorityTarget(model, batch, target), OpImages.layerOrLast(model, layer),
			orDefault(concepts, 4), orDefault(samples, 1000), orDefault(seed, 42L), EXAMPLES);
	}

	/**
	 * Generalized Integrated Gradients: how much each concept of a lower layer contributes to each concept of
	 * an upper layer, integrated along the path from zero to the activations of the images.
	 *
	 * @param <T> the pixel type
	 * @param model a TensorFlow SavedModel classifier, as opened by explain.model.open
	 * @param lower the concept bank of the lower layer (explain.mechanistic.pfv_concepts)
	 * @param upper the concept bank of the upper layer
	 * @param images the images: X, Y[, channel][, slice] (channels when the model takes several); only read
	 * @param steps integration steps; default 32 (nullable)
	 * @return the edges of the concept graph with their relevance: into each upper concept, then into the upper bank's class, one
	 *         edge per lower concept and a residual edge (fromConcept -1: what the concepts do not carry)
	 * @implNote op names='explain.mechanistic.gig'
	 */
	public static <T extends RealType<T>> List<GeneralizedIntegratedGradients.Edge> gig(Classifier model, ConceptBank lower, ConceptBank upper,
		RandomAccessibleInterval<T> images, Integer steps) {
		TensorFlowClassifier tf = OpImages.tensorFlow(model, "Generalized Integrated Gradients");
		if (lower == null || upper == null) throw new IllegalArgumentException("GIG needs the concept banks of two layers, lower and upper.");
		OpImages.Batch batch = OpImages.read(model, images);
		return new GeneralizedIntegratedGradients(tf, orDefault(steps, 32)).graph(lower, upper, batch.tensor());
	}

	/**
	 * The concept graph of a class, as the Concept Graph command builds it: concepts at several layers, Generalized Integrated
	 * Gradients edges between consecutive layers and to the class, and effective receptive fields of the strongest examples.
	 *
	 * @param <T> the pixel type
	 * @param model a TensorFlow SavedModel classifier, as opened by explain.model.open
	 * @param images images of the class: X, Y[, channel][, slice] (channels when the model takes several); only read
	 * @param target the class (index from 0); null or negative: the class predicted for most images (nullable)
	 * @param layers comma-separated layers, lowest first; null or empty: the last two convolution blocks (nullable)
	 * @param concepts concepts per layer; default 4 (nullable)
	 * @param samples sampled pixel feature vectors per layer; default 1000 (nullable)
	 * @param steps GIG integration steps; default 32 (nullable)
	 * @param seed seed of the sampling and of k-means; default 42 (nullable)
	 * @return the banks per layer, the edges and the receptive fields
	 * @implNote op names='explain.mechanistic.concept_graph'
	 */
	public static <T extends RealType<T>> ConceptGraph.Result conceptGraph(Classifier model, RandomAccessibleInterval<T> images, Integer target,
		String layers, Integer concepts, Integer samples, Integer steps, Long seed) {
		TensorFlowClassifier tf = OpImages.tensorFlow(model, "The concept graph");
		OpImages.Batch batch = OpImages.read(model, images);
		ConceptGraph.Options options = graphOptions(layers, concepts, samples, steps, seed);
		return ConceptGraph.build(tf, batch.tensor(), OpImages.majorityTarget(model, batch, target), options, Progress.NONE);
	}

	/**
	 * The concept graph of a whole data set, as the GIG paper builds it (Kim, Han, Han, Kwak 2024): one bank of concepts per
	 * layer fitted over all the images (each pixel feature vector sampled by its contribution to its own image's predicted
	 * class), Generalized Integrated Gradients edges between consecutive layers over all the images, and edges from the last
	 * layer's concepts to every predicted class, each over the images predicted as that class.
	 *
	 * @param <T> the pixel type
	 * @param model a TensorFlow SavedModel classifier, as opened by explain.model.open
	 * @param images the data set: X, Y[, channel][, slice] (channels when the model takes several); only read
	 * @param layers comma-separated layers, lowest first; null or empty: the last two convolution blocks (nullable)
	 * @param concepts concepts per layer; default 4 (nullable)
	 * @param samples sampled pixel feature vectors per layer; default 1000 (nullable)
	 * @param steps GIG integration steps; default 32 (nullable)
	 * @param seed seed of the sampling and of k-means; default 42 (nullable)
	 * @return the banks per layer (class "all classes"), the edges and the receptive fields
	 * @implNote op names='explain.mechanistic.concept_graph_dataset'
	 */
	public static <T extends RealType<T>> ConceptGraph.Result conceptGraphDataset(Classifier model, RandomAccessibleInterval<T> images,
		String layers, Integer concepts, Integer samples, Integer steps, Long seed) {
		TensorFlowClassifier tf = OpImages.tensorFlow(model, "The concept graph");
		OpImages.Batch batch = OpImages.read(model, images);
		ConceptGraph.Options options = graphOptions(layers, concepts, samples, steps, seed);
		return ConceptGraph.buildDataset(tf, batch.tensor(), options, Progress.NONE);
	}

	/** The two concept-graph ops' options: comma-separated layers (lowest first) and their defaults. */
	private static ConceptGraph.Options graphOptions(String layers, Integer concepts, Integer samples, Integer steps, Long seed) {
		List<String> list = new ArrayList<>();
		if (layers != null) for (String l : layers.split(",")) if (!l.isBlank()) list.add(l.trim());
		return new ConceptGraph.Options(list, orDefault(concepts, 4), orDefault(samples, 1000), orDefault(seed, 42L),
			orDefault(steps, 32), EXAMPLES, ERF_MASS);
	}

	/**
	 * Effective receptive field (Han et al. 2024, SRD): relevance 1 put on the pixel feature vector of a layer at the layer cell
	 * holding an image pixel, shared down to the pixels by Sharing Ratio Decomposition; it shows which pixels that feature vector
	 * responds to in each image.
	 *
	 * @param <T> the pixel type
	 * @param model a TensorFlow SavedModel classifier, as opened by explain.model.open
	 * @param image the images: X, Y[, channel][, slice] (channels when the model takes several); only read
	 * @param layer the spatial layer; null or empty: the last spatial layer (nullable)
	 * @param x column of the image pixel whose layer cell is explained; default the centre column (nullable)
	 * @param y row of that pixel; default the centre row (nullable)
	 * @return one relevance map per image, the size of the image in X and Y (X, Y for one image; X, Y, slice for a stack)
	 * @implNote op names='explain.mechanistic.erf'
	 */
	public static <T extends RealType<T>> RandomAccessibleInterval<FloatType> erf(Classifier model, RandomAccessibleInterval<T> image,
		String layer, Integer x, Integer y) {
		TensorFlowClassifier tf = OpImages.tensorFlow(model, "The effective receptive field");
		OpImages.Batch batch = OpImages.read(model, image);
		FloatTensor t = batch.tensor();
		int n = (int) t.dim(0), height = (int) t.dim(1), width = (int) t.dim(2);
		String l = OpImages.layerOrLast(model, layer);
		int[] g = SharingRatioAnalysis.grid(tf, new SharingRatioAnalysis.ErfRequest(l, orDefault(x, width / 2), orDefault(y, height / 2), 1),
			width, height);
		SharingRatioDecomposition srd = new SharingRatioDecomposition(tf);
		List<FloatTensor> maps = new ArrayList<>();
		for (int i = 0; i < n; i++) maps.add(srd.effectiveReceptiveField(t.slice(i), l, g[1] * g[2] + g[0]).map());
		return OpImages.maps(FloatTensor.concat(maps), batch.stack());
	}

	/**
	 * Effective receptive fields of concept vectors (Han et al. 2024; Kim et al. 2024): for each concept of a bank from
	 * explain.mechanistic.pfv_concepts, the ERF of each of its example pixel feature vectors (the one whose layer cell holds the
	 * centre of the example crop) on the image the example comes from; these show what the concept responds to.
	 *
	 * @param <T> the pixel type
	 * @param model a TensorFlow SavedModel classifier, as opened by explain.model.open
	 * @param bank a concept bank of a spatial layer of this model, from explain.mechanistic.pfv_concepts
	 * @param images the images the bank was fitted on, in the same order: X, Y[, channel][, slice]; only read
	 * @return the ERFs as X, Y, example, concept (relevance 1 at each example; all 0 where a concept has fewer examples)
	 * @implNote op names='explain.mechanistic.concept_erfs'
	 */
	public static <T extends RealType<T>> RandomAccessibleInterval<FloatType> conceptErfs(Classifier model, ConceptBank bank,
		RandomAccessibleInterval<T> images) {
		TensorFlowClassifier tf = OpImages.tensorFlow(model, "Concept ERFs");
		if (bank == null) throw new IllegalArgumentException("No concept bank given: fit one with explain.mechanistic.pfv_concepts.");
		OpImages.Batch batch = OpImages.read(model, images);
		FloatTensor t = batch.tensor();
		int n = (int) t.dim(0), height = (int) t.dim(1), width = (int) t.dim(2), plane = height * width;
		int concepts = bank.examples.size(), examples = 0;
		for (List<ConceptBank.Example> row : bank.examples) {
			examples = Math.max(examples, row.size());
			for (ConceptBank.Example e : row) {
				if (e.image() < 0 || e.image() >= n) {
					throw new IllegalArgumentException("The bank has an example from image " + (e.image() + 1) + " but " + n
						+ " images were given: give the images the bank was fitted on, in the same order.");
				}
			}
		}
		if (concepts == 0 || examples == 0) throw new IllegalArgumentException("The concept bank has no examples: fit it with explain.mechanistic.pfv_concepts.");
		SharingRatioDecomposition srd = new SharingRatioDecomposition(tf);
		float[] out = new float[examples * concepts * plane];
		for (int k = 0; k < concepts; k++) {
			List<ConceptBank.Example> row = bank.examples.get(k);
			for (int j = 0; j < row.size(); j++) {
				ConceptBank.Example e = row.get(j);
				int half = (e.size() - 1) / 2;
				int[] g = SharingRatioAnalysis.grid(tf, new SharingRatioAnalysis.ErfRequest(bank.layer, Math.min(width - 1, e.x() + half),
					Math.min(height - 1, e.y() + half), 1), width, height);
				float[] m = srd.effectiveReceptiveField(t.slice(e.image()), bank.layer, g[1] * g[2] + g[0]).map().data();
				System.arraycopy(m, 0, out, (k * examples + j) * plane, plane);
			}
		}
		return net.imglib2.img.array.ArrayImgs.floats(out, width, height, examples, concepts);
	}
}
