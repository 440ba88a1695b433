/**
 * ConceptScope on Apache Spark: the batch runner's parts, CRAFT over a cohort and MeGe/ReCo as
 * Spark tasks (docs/spark.md).
 */
package org.conceptscope.spark;
