/* SPDX-License-Identifier: MIT */
/* The "netdev" family's handlers and the policies they share. */
#ifndef DML_NETDEV_GENL_H
#define DML_NETDEV_GENL_H

#include "nl_sock.h"

/* Any free dynamic id works: clients resolve it through nlctrl. */
#define DML_NETDEV_FAMILY_ID	0x1b

extern const struct dml_nla_policy dml_queue_id_policy[];
extern const struct dml_nla_policy dml_bind_rx_policy[];
extern const struct dml_nla_policy dml_dev_get_policy[];
extern const struct dml_nla_policy dml_page_pool_get_policy[];
extern const struct dml_nla_policy dml_page_pool_info_policy[];
extern const struct dml_nla_policy dml_page_pool_stats_get_policy[];
extern const struct dml_nla_policy dml_queue_get_do_policy[];

int dml_netdev_nl_dev_get_doit(struct dml_genl_info *info);
int dml_netdev_nl_dev_get_dumpit(struct dml_genl_info *info);
int dml_netdev_nl_queue_get_doit(struct dml_genl_info *info);
int dml_netdev_nl_queue_get_dumpit(struct dml_genl_info *info);
int dml_netdev_nl_page_pool_get_doit(struct dml_genl_info *info);
int dml_netdev_nl_page_pool_get_dumpit(struct dml_genl_info *info);
int dml_netdev_nl_page_pool_stats_get_doit(struct dml_genl_info *info);
int dml_netdev_nl_page_pool_stats_get_dumpit(struct dml_genl_info *info);
int dml_netdev_nl_bind_rx_doit(struct dml_genl_info *info);

#endif /* DML_NETDEV_GENL_H */
