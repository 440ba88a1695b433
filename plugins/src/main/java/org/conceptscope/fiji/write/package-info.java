/**
 * Writers of results: TIFFs and heat-map channels with their LUTs and overlays, RoiSets, CSVs and
 * their ResultsTables, montages and pictures, each written atomically.
 */
package org.conceptscope.fiji.write;
